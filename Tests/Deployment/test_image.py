"""The container image: the Dockerfile's runtime stage built with buildah on a
debian:bookworm-slim made with debootstrap (no registry is reachable here, so neither the
Swift image of the build stage nor Docker Hub's Debian image can be pulled), with the
binary built on the host by the build stage's command (`swift build -c release
--static-swift-stdlib`). The controller runs in it with podman (runc) as uid 65532, on a
read-only root filesystem with a volume for its state, against a git daemon on loopback
serving the quickstart fleet on the sim provider: /readyz answers, the status API shows the
commit applied, `podman stop` ends it with exit 0.

Needs root (rootful podman), buildah, podman, runc and debootstrap (scripts/bootstrap.sh
installs them); skipped otherwise, saying why."""
from __future__ import annotations

import json
import os
import pathlib
import re
import secrets
import shutil
import subprocess
import sys

import pytest

import container
from container import PODMAN, ROOT, ULIMITS, http_get, inspect, run, wait_until

TOOLS = ["buildah", "podman", "runc", "debootstrap", "git", "swift"]
pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="rootful podman: the container test runs as root (CI does)"),
    pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                       reason=f"needs {', '.join(TOOLS)}: run scripts/bootstrap.sh"),
]

IMAGE = "localhost/continuum:container-test"


@pytest.fixture(scope="module")
def image():
    container.ensure_base_image()
    container.build_runtime_image(container.release_binary(), IMAGE)
    size = int(inspect(IMAGE, "{{.Size}}"))
    # Reported for the README and docs/install.md; `pytest -s` shows it.
    print(f"\nimage {IMAGE}: {size / 1e6:.1f} MB")
    (ROOT / ".build" / "container-image-size.txt").write_text(f"{size}\n")
    yield IMAGE
    subprocess.run(["podman", "rmi", "-f", IMAGE], capture_output=True)


def test_image_metadata(image):
    assert inspect(image, "{{.Config.User}}") == "65532:65532"
    assert json.loads(inspect(image, "{{json .Config.Entrypoint}}")) == ["/usr/local/bin/continuum"]
    assert inspect(image, "{{.Config.WorkingDir}}") == "/var/lib/continuum"
    labels = json.loads(inspect(image, "{{json .Config.Labels}}"))
    for key in ["source", "version", "licenses", "revision", "title"]:
        assert labels.get(f"org.opencontainers.image.{key}"), key
    assert labels["org.opencontainers.image.version"] == "0.1.0"


def test_the_binary_carries_no_path_of_the_build_machine(tmp_path):
    stripped = tmp_path / "continuum"
    shutil.copy2(container.release_binary(), stripped)
    run(["strip", str(stripped)])  # as the build stage does
    data = stripped.read_bytes()
    found = [m.start() for m in re.finditer(re.escape(str(ROOT).encode()), data)][:5]
    excerpts = [data[i:i + 100].split(b"\0")[0].decode(errors="replace") for i in found]
    assert not found, f"paths of the build machine in the binary, which error texts would show: {excerpts}"


def test_binary_loads_with_only_the_runtime_libraries(image):
    result = run([*PODMAN, "run", "--rm", *ULIMITS, "--read-only", "--network", "none", image, "--version"])
    assert result.stdout.strip() == "0.1.0"


def publish(served: pathlib.Path, name: str, specs: str) -> str:
    """A bare repository `name` under `served` with the quickstart fleet in `specs` ("" for
    its root); returns its commit."""
    work = served.parent / f"{name}-work"
    shutil.copytree(ROOT / "examples" / "quickstart", work / specs if specs else work)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    run(["git", "init", "-q", "-b", "main", str(work)])
    run(["git", "-C", str(work), "add", "-A"])
    run(["git", "-C", str(work), "commit", "-qm", "the quickstart fleet"], env=env)
    run(["git", "clone", "-q", "--bare", str(work), str(served / name)])
    return run(["git", "-C", str(work), "rev-parse", "HEAD"]).stdout.strip()


@pytest.fixture
def fleet(tmp_path):
    """A bare repository with the quickstart fleet under specs/, and its commit."""
    served = tmp_path / "served"
    served.mkdir()
    return served, publish(served, "fleet.git", "specs")


def wait_for_the_commit(name: str, base: str, token: str, commit: str) -> dict:
    """Waits for /readyz, then for the status API to show `commit` applied; fails at once
    with the logs if the container exits."""
    def running():
        if inspect(name, "{{.State.Status}}") != "running":
            logs = subprocess.run(["podman", "logs", name], capture_output=True, text=True)
            raise AssertionError(f"the controller exited:\n{logs.stdout}{logs.stderr}")
        return True

    wait_until(lambda: running() and http_get(base + "/readyz")[0] == 200, "/readyz to answer 200")

    def applied():
        running()
        status, body = http_get(base + "/api/v1/status", token)
        if status != 200:
            return None
        answer = json.loads(body)
        return answer if answer.get("lastAppliedCommit") == commit else None

    return wait_until(applied, f"the status to show {commit[:12]} applied")


def stop_and_read_logs(name: str) -> list[dict]:
    """`podman stop` (SIGTERM), expecting exit 0; the JSON log lines."""
    run(["podman", "stop", "--time", "120", name])
    assert inspect(name, "{{.State.ExitCode}}") == "0"
    logs = subprocess.run(["podman", "logs", name], capture_output=True, text=True)
    lines = [json.loads(line) for line in (logs.stdout + logs.stderr).splitlines() if line.startswith("{")]
    assert lines, "no JSON log lines"
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    return lines


def test_controller_applies_a_commit_as_non_root_on_a_read_only_root(image, fleet, tmp_path):
    served, commit = fleet
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    os.chown(state, 65532, 65532)
    tokens = tmp_path / "api"
    tokens.mkdir()
    token = secrets.token_hex(20)
    (tokens / "read").write_text(token + "\n")
    os.chmod(tokens / "read", 0o444)
    port = container.free_port()
    name = f"continuum-test-{os.getpid()}-{secrets.token_hex(3)}"

    with container.git_daemon(served) as git_port:
        run([*PODMAN, "run", "-d", "--name", name, *ULIMITS, "--read-only", "--network", "host",
             "--user", "65532:65532", "--cap-drop", "ALL", "--security-opt", "no-new-privileges",
             "-v", f"{state}:/var/lib/continuum:Z", "-v", f"{tokens}:/etc/continuum/secrets/api:ro,Z",
             "-e", f"CONTINUUM_REPO=git://127.0.0.1:{git_port}/fleet.git", "-e", "CONTINUUM_PATH=specs",
             image, "controller", f"--listen=127.0.0.1:{port}", "--api-token-file=/etc/continuum/secrets/api/read"])
        try:
            base = f"http://127.0.0.1:{port}"
            status = wait_for_the_commit(name, base, token, commit)
            assert status["phase"] == "Ready", status
            assert http_get(base + "/api/v1/status")[0] == 401  # the token is needed

            # Who it runs as, and where it wrote.
            pid = int(inspect(name, "{{.State.Pid}}"))
            uids = [line for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("Uid:")]
            assert uids[0].split()[1:] == ["65532"] * 4, uids
            assert inspect(name, "{{.HostConfig.ReadonlyRootfs}}") == "true"
            assert (state / "state.db").stat().st_uid == 65532
            assert (state / "git").is_dir()  # CONTINUUM_CACHE_DIR from the image

            lines = stop_and_read_logs(name)  # JSON: CONTINUUM_LOG_FORMAT=json in the image
            assert any(line.get("commit") == commit[:12] for line in lines)
        finally:
            subprocess.run(["podman", "rm", "-f", "--time", "10", name], capture_output=True)


def test_the_charts_default_pod_starts_with_only_a_repository(image, tmp_path):
    """The chart rendered with its defaults and only a repository URL (and a free port):
    the container runs with exactly the pod's arguments, user, read-only root and mounts
    (the volumes made on the host as the kubelet would: the ConfigMap's and the generated
    Secret's data as files, directories for the claim and the emptyDirs)."""
    import base64

    import chart

    served = tmp_path / "served"
    served.mkdir()
    commit = publish(served, "fleet.git", "")
    port = container.free_port()
    with container.git_daemon(served) as git_port:
        rendered = chart.render_raw({"git": {"repository": f"git://127.0.0.1:{git_port}/fleet.git"}, "api": {"port": port}})
        pod, spec = rendered.pod, rendered.container
        volumes = tmp_path / "volumes"
        mounts = []
        for volume in pod["volumes"]:
            directory = volumes / volume["name"]
            directory.mkdir(parents=True)
            if "configMap" in volume:
                data = rendered.one("ConfigMap", volume["configMap"]["name"])["data"]
                files = {key: value.encode() for key, value in data.items()}
            elif "secret" in volume:
                data = rendered.one("Secret", volume["secret"]["secretName"])["data"]
                files = {key: base64.b64decode(value) for key, value in data.items()}
            else:  # persistentVolumeClaim, emptyDir: empty, owned by the pod's fsGroup
                files = {}
                os.chown(directory, pod["securityContext"]["runAsUser"], pod["securityContext"]["fsGroup"])
                directory.chmod(0o770)
            for key, content in files.items():
                (directory / key).write_bytes(content)
                os.chown(directory / key, 0, pod["securityContext"]["fsGroup"])
                (directory / key).chmod(0o440)
        for mount in spec["volumeMounts"]:
            options = "ro" if mount.get("readOnly") else "rw"
            mounts += ["-v", f"{volumes / mount['name']}:{mount['mountPath']}:{options},Z"]

        context = spec["securityContext"]
        assert context["readOnlyRootFilesystem"] and context["capabilities"] == {"drop": ["ALL"]}
        assert context["allowPrivilegeEscalation"] is False
        user = f"{pod['securityContext']['runAsUser']}:{pod['securityContext']['runAsGroup']}"
        name = f"continuum-chart-{os.getpid()}-{secrets.token_hex(3)}"
        run([*PODMAN, "run", "-d", "--name", name, *ULIMITS, "--read-only", "--network", "host", "--user", user,
             "--group-add", str(pod["securityContext"]["fsGroup"]), "--cap-drop", "ALL",
             "--security-opt", "no-new-privileges", "--workdir", spec["workingDir"], *mounts, image, *spec["args"]])
        try:
            token = base64.b64decode(rendered.one("Secret")["data"]["read"]).decode()
            readiness = spec["readinessProbe"]["httpGet"]["path"]
            assert readiness == "/readyz"
            status = wait_for_the_commit(name, f"http://127.0.0.1:{port}", token, commit)
            assert status["phase"] == "Ready", status
            assert http_get(f"http://127.0.0.1:{port}" + spec["livenessProbe"]["httpGet"]["path"])[0] == 200
            stop_and_read_logs(name)  # JSON: the chart's default --log-format
            assert (volumes / "state" / "state.db").exists()
            assert (volumes / "cache" / "git").is_dir()
        finally:
            subprocess.run(["podman", "rm", "-f", "--time", "10", name], capture_output=True)
