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


def test_binary_loads_with_only_the_runtime_libraries(image):
    result = run([*PODMAN, "run", "--rm", *ULIMITS, "--read-only", "--network", "none", image, "--version"])
    assert result.stdout.strip() == "0.1.0"


@pytest.fixture
def fleet(tmp_path):
    """A bare repository with the quickstart fleet under specs/, and its commit."""
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples" / "quickstart", work / "specs")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    run(["git", "init", "-q", "-b", "main", str(work)])
    run(["git", "-C", str(work), "add", "-A"])
    run(["git", "-C", str(work), "commit", "-qm", "the quickstart fleet"], env=env)
    served = tmp_path / "served"
    served.mkdir()
    run(["git", "clone", "-q", "--bare", str(work), str(served / "fleet.git")])
    commit = run(["git", "-C", str(work), "rev-parse", "HEAD"]).stdout.strip()
    return served, commit


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

            status = wait_until(applied, f"the status to show {commit[:12]} applied")
            assert status["phase"] == "Ready", status
            assert http_get(base + "/api/v1/status")[0] == 401  # the token is needed

            # Who it runs as, and where it wrote.
            pid = int(inspect(name, "{{.State.Pid}}"))
            uids = [line for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("Uid:")]
            assert uids[0].split()[1:] == ["65532"] * 4, uids
            assert inspect(name, "{{.HostConfig.ReadonlyRootfs}}") == "true"
            assert (state / "state.db").stat().st_uid == 65532
            assert (state / "git").is_dir()  # CONTINUUM_CACHE_DIR from the image

            run(["podman", "stop", "--time", "120", name])
            assert inspect(name, "{{.State.ExitCode}}") == "0"
            logs = subprocess.run(["podman", "logs", name], capture_output=True, text=True)
            lines = [json.loads(line) for line in (logs.stdout + logs.stderr).splitlines() if line.startswith("{")]
            assert lines, "no JSON log lines (CONTINUUM_LOG_FORMAT=json in the image)"
            assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
            assert any(line.get("commit") == commit[:12] for line in lines)
        finally:
            subprocess.run(["podman", "rm", "-f", "--time", "10", name], capture_output=True)
