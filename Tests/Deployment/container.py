"""Support for the container test: a debian:bookworm-slim stand-in made with debootstrap
(no registry is reachable here), images built with buildah and run with podman (runc), a
git daemon on loopback, and stopping what was started by its PID or container name."""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BASE_IMAGE = "docker.io/library/debian:bookworm-slim"
CACHE = ROOT / ".build" / "container-base"
PODMAN = ["podman", "--runtime", "runc"]
ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
# What Docker's debian:*-slim images leave out when packages are installed.
SLIM_EXCLUDES = """\
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
"""


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """Runs `command`, failing with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, command))} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def debian_mirror() -> str:
    """The Debian mirror this machine's apt uses (deb822 sources, else sources.list)."""
    for path in sorted(pathlib.Path("/etc/apt/sources.list.d").glob("*.sources")):
        text = path.read_text()
        for stanza in re.split(r"\n\s*\n", text):
            suites = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            if uris and suites and "bookworm" in suites.group(1).split():
                return uris.group(1)
    for path in [pathlib.Path("/etc/apt/sources.list"), *sorted(pathlib.Path("/etc/apt/sources.list.d").glob("*.list"))]:
        if path.exists():
            for line in path.read_text().splitlines():
                match = re.match(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s", line)
                if match:
                    return match.group(1)
    raise AssertionError("no Debian bookworm mirror in /etc/apt/sources.list or sources.list.d; debootstrap needs one")


def image_exists(name: str) -> bool:
    return subprocess.run(["podman", "image", "exists", name]).returncode == 0


def ensure_base_image() -> str:
    """`debian:bookworm-slim` in podman's storage: imported from a cached debootstrap
    tarball, made (about a minute, the Debian mirror is the only network used) when the cache
    is missing."""
    if image_exists(BASE_IMAGE):
        return BASE_IMAGE
    CACHE.mkdir(parents=True, exist_ok=True)
    tarball = CACHE / "debian-bookworm-minbase.tar"
    if not tarball.exists():
        with tempfile.TemporaryDirectory(dir=CACHE) as work:
            rootfs = pathlib.Path(work) / "rootfs"
            run(["debootstrap", "--variant=minbase", "bookworm", str(rootfs), debian_mirror()])
            (rootfs / "etc/dpkg/dpkg.cfg.d/slim-excludes").write_text(SLIM_EXCLUDES)
            for leftover in ["var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale"]:
                path = rootfs / leftover
                for child in path.glob("*"):
                    if child.is_dir() and not child.is_symlink():
                        shutil.rmtree(child)
                    elif child.name not in {"lock", "partial", "locale.alias"}:
                        child.unlink()
            partial = tarball.with_suffix(".partial")
            run(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", str(partial), "."])
            partial.rename(tarball)
    run(["podman", "import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
         "--change", 'CMD ["bash"]', str(tarball), BASE_IMAGE])
    return BASE_IMAGE


def release_flags(root: str) -> list[str]:
    """The Dockerfile's build flags: release, the Swift runtime linked in, and the source
    tree's path mapped to `.` for Swift (#filePath) and C/C++ (__FILE__, which BoringSSL's
    error texts carry), so that no path of the build machine is in the binary. Its own
    scratch path, so that benchmarks' release builds keep theirs."""
    mapping = f"{root}=."
    return ["-c", "release", "--static-swift-stdlib", "--scratch-path", str(ROOT / ".build" / "image-build"),
            "-Xswiftc", "-file-prefix-map", "-Xswiftc", mapping,
            "-Xcc", f"-ffile-prefix-map={mapping}", "-Xcxx", f"-ffile-prefix-map={mapping}"]


def release_binary() -> pathlib.Path:
    """The continuum binary built as the Dockerfile's build stage builds it."""
    flags = release_flags(str(ROOT))
    run(["swift", "build", *flags, "--product", "continuum"], cwd=ROOT)
    path = pathlib.Path(run(["swift", "build", *flags, "--show-bin-path"], cwd=ROOT).stdout.strip())
    return path / "continuum"


def build_runtime_image(binary: pathlib.Path, tag: str) -> None:
    """The Dockerfile's runtime stage, with `binary` as the build stage's /out/continuum."""
    binary_image = tag + "-binary"
    with tempfile.TemporaryDirectory() as context:
        shutil.copy2(binary, pathlib.Path(context) / "continuum")
        run(["strip", str(pathlib.Path(context) / "continuum")])  # as the build stage does
        pathlib.Path(context, "Containerfile").write_text("FROM scratch\nCOPY continuum /out/continuum\n")
        run(["buildah", "build", "--quiet", "--pull=never", "-t", binary_image, context])
    try:
        run(["buildah", "build", "--quiet", "--pull=never", "--network", "host", "--layers",
             "--target", "runtime", "--build-arg", f"BINARY_FROM={binary_image}", "--build-arg", "REVISION=test",
             "-t", tag, "-f", str(ROOT / "Dockerfile"), str(ROOT)])
    finally:
        subprocess.run(["podman", "rmi", "-f", binary_image], capture_output=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, what: str, timeout: float = 300, interval: float = 0.2):
    """Polls `condition` until it returns something truthy; the timeout is only a safety net."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout} s")
        time.sleep(interval)


@contextlib.contextmanager
def git_daemon(base: pathlib.Path):
    """`git daemon` serving `base` on 127.0.0.1; yields its port; stopped by PID."""
    port = free_port()
    process = subprocess.Popen(["git", "daemon", "--listen=127.0.0.1", f"--port={port}", f"--base-path={base}",
                                "--export-all", "--reuseaddr", "--informative-errors", str(base)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def listening():
            if process.poll() is not None:
                raise AssertionError(f"git daemon exited: {process.stderr.read().decode()}")
            with socket.socket() as s:
                return s.connect_ex(("127.0.0.1", port)) == 0
        wait_until(listening, "git daemon to listen", timeout=60, interval=0.05)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http_get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, b""


def inspect(container: str, template: str) -> str:
    return run(["podman", "inspect", "--format", template, container]).stdout.strip()
