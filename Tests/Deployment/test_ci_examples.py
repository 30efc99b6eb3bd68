"""The pull-request workflows in examples/ci, run for real: each file passes its forge's
schema (check-jsonschema's vendored GitHub workflow and GitLab CI schemas), and its script
runs with bash, curl and jq against a real `continuum controller` (the debug build) on a
local repository and a stand-in forge on 127.0.0.1 that records every request, which is
checked against GitHub's and GitLab's REST documentation: method, path, headers, fields."""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from container import ROOT, free_port, http_get, run, wait_until

EXAMPLES = ROOT / "examples" / "ci"
BINARY = ROOT / ".build" / "debug" / "continuum"
MARKER = "<!-- continuum-plan -->"
PROVIDER = """apiVersion: continuum.dev/v1
kind: Provider
metadata:
  name: sim
spec:
  type: sim
---
apiVersion: continuum.dev/v1
kind: Network
metadata:
  name: edge
spec:
  provider: sim
  cidr: 10.0.0.0/24
"""


def vm(name: str) -> str:
    return f"""apiVersion: continuum.dev/v1
kind: VirtualMachine
metadata:
  name: {name}
spec:
  provider: sim
  cpu: 2
  memory: 2Gi
  image: debian-12
  networks: [Network/edge]
"""


@pytest.mark.parametrize("name, schema", [("github-actions.yml", "vendor.github-workflows"), ("gitlab-ci.yml", "vendor.gitlab-ci")])
def test_the_workflow_passes_its_forges_schema(name, schema):
    checker = pathlib.Path(sys.executable).parent / "check-jsonschema"
    run([str(checker), "--builtin-schema", schema, str(EXAMPLES / name)])


class Forge:
    """A stand-in for GitHub's or GitLab's REST API: records every request and keeps the
    comments (notes) a pull request has."""

    def __init__(self):
        self.requests: list[dict] = []
        self.comments: list[dict] = []
        forge = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status: int, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                path, _, query = self.path.partition("?")
                kind = self.headers.get("Content-Type", "")
                body = dict(urllib.parse.parse_qsl(raw)) if "form-urlencoded" in kind else (json.loads(raw) if raw else None)
                forge.requests.append({"method": self.command, "path": path, "query": query, "headers": dict(self.headers), "body": body})
                if self.command == "GET":
                    page = int(dict(urllib.parse.parse_qsl(query)).get("page", "1"))
                    return self.answer(200, forge.comments if page == 1 else [])
                if path.endswith("/comments") or path.endswith("/notes"):
                    login = "github-actions[bot]" if "Authorization" in self.headers else "project_42_bot"
                    forge.comments.append({"id": len(forge.comments) + 1, "body": body["body"], "user": {"login": login}})
                    return self.answer(201, forge.comments[-1])
                if self.command in ("PATCH", "PUT"):
                    ident = int(path.rsplit("/", 1)[1])
                    forge.comments[ident - 1]["body"] = body["body"]
                    return self.answer(200, forge.comments[ident - 1])
                return self.answer(201, {"id": 1})

            do_GET = do_POST = do_PATCH = do_PUT = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self) -> list[dict]:
        taken, self.requests = self.requests, []
        return taken


@pytest.fixture(scope="module")
def controller(tmp_path_factory):
    """A controller on a local repository whose main has one VM, with review refs:
    refs/pull/7/head and refs/merge-requests/7/head add a VM, .../8/head break a file."""
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: scripts/test.sh builds it (swift build --build-tests) before the deployment tests")
    for tool in ["curl", "jq", "git", "bash"]:
        assert shutil.which(tool), f"{tool} is missing: run scripts/bootstrap.sh"
    base = tmp_path_factory.mktemp("ci")
    repo = base / "repo"
    repo.mkdir()
    git = lambda *args: run(["git", "-C", str(repo), *args]).stdout.strip()
    git("init", "-q", "-b", "main")
    git("config", "user.email", "ci@continuum.invalid")
    git("config", "user.name", "ci")
    (repo / "specs").mkdir()
    (repo / "specs" / "base.yaml").write_text(PROVIDER + "---\n" + vm("web-1"))
    git("add", "-A")
    git("commit", "-q", "-m", "web-1")
    applied = git("rev-parse", "HEAD")
    (repo / "specs" / "web-2.yaml").write_text(vm("web-2"))
    git("add", "-A")
    git("commit", "-q", "-m", "web-2")
    feature = git("rev-parse", "HEAD")
    (repo / "specs" / "bad.yaml").write_text("kind: [unclosed\n")
    git("add", "-A")
    git("commit", "-q", "-m", "broken")
    broken = git("rev-parse", "HEAD")
    git("reset", "-q", "--hard", applied)
    for forge_ref in ["pull", "merge-requests"]:
        git("update-ref", f"refs/{forge_ref}/7/head", feature)
        git("update-ref", f"refs/{forge_ref}/8/head", broken)
    token = "continuum-write-token-0123456789"
    (base / "write").write_text(token + "\n")
    port = free_port()
    process = subprocess.Popen([
        str(BINARY), "controller", "--repo", f"file://{repo}", "--path", "specs", "--interval", "1h",
        "--listen", f"127.0.0.1:{port}", "--api-write-token-file", str(base / "write"),
        "--state", str(base / "state.db"), "--sim-world", str(base / "sim.db"), "--cache-dir", str(base / "cache"),
    ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        def applied_commit():
            status, body = http_get(url + "/api/v1/status", token)
            answer = json.loads(body) if status == 200 else {}
            if answer.get("phase") == "Failed":
                raise AssertionError(f"the controller failed: {answer.get('message')}")
            return answer.get("lastAppliedCommit") == applied
        wait_until(applied_commit, "the controller to apply main")
        yield {"url": url, "token": token, "applied": applied, "feature": feature, "broken": broken}
    finally:
        process.terminate()
        process.wait(timeout=60)


def script(name: str) -> str:
    document = yaml.safe_load((EXAMPLES / name).read_text())
    if name == "github-actions.yml":
        return document["jobs"]["plan"]["steps"][0]["run"]
    return "\n".join(document["continuum-plan"]["script"])


@pytest.mark.parametrize("name", ["github-actions.yml", "gitlab-ci.yml"])
def test_the_workflow_scripts_pass_shellcheck(name, tmp_path):
    """actionlint is not packaged for Debian and its PyPI wheel builds with Go, so the
    scripts it would check are checked with shellcheck, as actionlint itself does."""
    path = tmp_path / "script.sh"
    path.write_text(script(name))
    result = subprocess.run(["shellcheck", "--shell=bash", "--severity=info", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def run_script(name: str, env: dict, cwd: pathlib.Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-c", script(name)], env={"PATH": os.environ["PATH"], **env}, cwd=cwd, capture_output=True, text=True)


def test_the_github_workflow_comments_the_plan_and_sets_the_status(controller, tmp_path):
    forge = Forge()
    env = {
        "CONTINUUM_URL": controller["url"], "CONTINUUM_TOKEN": controller["token"], "GITHUB_TOKEN": "ghs_stand-in",
        "API": forge.url, "REPOSITORY": "fleet/specs", "NUMBER": "7", "SHA": controller["feature"],
        "RUN_URL": "https://github.example/fleet/specs/actions/runs/1",
    }
    first = run_script("github-actions.yml", env, tmp_path)
    assert first.returncode == 0, first.stderr
    requests = forge.take()
    assert [(r["method"], r["path"]) for r in requests] == [
        ("POST", f"/repos/fleet/specs/statuses/{controller['feature']}"),
        ("GET", "/repos/fleet/specs/issues/7/comments"),
        ("POST", "/repos/fleet/specs/issues/7/comments"),
        ("POST", f"/repos/fleet/specs/statuses/{controller['feature']}"),
    ]
    for request in requests:
        assert request["headers"]["Authorization"] == "Bearer ghs_stand-in"
        assert request["headers"]["Accept"] == "application/vnd.github+json"
        assert request["headers"]["X-GitHub-Api-Version"] == "2022-11-28"
        if request["method"] != "GET":
            assert request["headers"]["Content-Type"] == "application/json"
    assert requests[0]["body"] == {"state": "pending", "context": "continuum/plan", "description": "Planning against the live state",
                                   "target_url": env["RUN_URL"]}
    assert requests[3]["body"]["state"] == "success"
    assert requests[3]["body"]["context"] == "continuum/plan"
    assert requests[3]["body"]["description"].startswith("Plan: 1 to add, 0 to change")
    comment = requests[2]["body"]["body"]
    assert comment.startswith(MARKER + "\n### Continuum plan")
    assert "VirtualMachine/web-2" in comment and "digest `sha256:" in comment and controller["applied"] in comment

    second = run_script("github-actions.yml", env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert [(r["method"], r["path"]) for r in forge.take()][1:3] == [
        ("GET", "/repos/fleet/specs/issues/7/comments"), ("PATCH", "/repos/fleet/specs/issues/comments/1")], "one comment, updated"
    assert len(forge.comments) == 1

    # Another author's comment with the marker is not the workflow's: it is left alone.
    forge.comments[0]["user"]["login"] = "mallory"
    third = run_script("github-actions.yml", env, tmp_path)
    assert third.returncode == 0, third.stderr
    assert ("POST", "/repos/fleet/specs/issues/7/comments") in [(r["method"], r["path"]) for r in forge.take()]
    assert len(forge.comments) == 2 and forge.comments[0]["user"]["login"] == "mallory"

    failing = run_script("github-actions.yml", {**env, "NUMBER": "8", "SHA": controller["broken"]}, tmp_path)
    assert failing.returncode != 0
    requests = forge.take()
    assert requests[-1]["body"]["state"] == "failure"
    assert "The plan failed (HTTP 422)" in requests[2]["body"]["body"] and "specs/bad.yaml:" in requests[2]["body"]["body"]

    # A controller that cannot be reached: the status is set to failure all the same.
    unreachable = run_script("github-actions.yml", {**env, "CONTINUUM_URL": "http://127.0.0.1:9"}, tmp_path)
    assert unreachable.returncode != 0
    requests = forge.take()
    assert requests[-1]["body"]["state"] == "failure", unreachable.stderr
    assert "HTTP 000" in next(r for r in requests if r["method"] in ("POST", "PATCH") and "comments" in r["path"])["body"]["body"]


def test_the_gitlab_job_notes_the_plan_and_sets_the_status(controller, tmp_path):
    forge = Forge()
    env = {
        "CONTINUUM_URL": controller["url"], "CONTINUUM_TOKEN": controller["token"], "GITLAB_API_TOKEN": "glpat-stand-in",
        "CI_API_V4_URL": forge.url + "/api/v4", "CI_PROJECT_ID": "42", "CI_MERGE_REQUEST_IID": "7",
        "CI_COMMIT_SHA": controller["feature"], "CI_JOB_URL": "https://gitlab.example/fleet/specs/-/jobs/1",
    }
    first = run_script("gitlab-ci.yml", env, tmp_path)
    assert first.returncode == 0, first.stderr
    requests = forge.take()
    assert [(r["method"], r["path"]) for r in requests] == [
        ("POST", f"/api/v4/projects/42/statuses/{controller['feature']}"),
        ("GET", "/api/v4/projects/42/merge_requests/7/notes"),
        ("POST", "/api/v4/projects/42/merge_requests/7/notes"),
        ("POST", f"/api/v4/projects/42/statuses/{controller['feature']}"),
    ]
    for request in requests:
        assert request["headers"]["PRIVATE-TOKEN"] == "glpat-stand-in"
    assert requests[0]["body"] == {"state": "pending", "name": "continuum/plan", "description": "Planning against the live state", "target_url": env["CI_JOB_URL"]}
    assert requests[3]["body"]["state"] == "success" and requests[3]["body"]["description"].startswith("Plan: 1 to add")
    assert requests[2]["body"]["body"].startswith(MARKER + "\n### Continuum plan")

    second = run_script("gitlab-ci.yml", env, tmp_path)
    assert second.returncode == 0, second.stderr
    assert ("PUT", "/api/v4/projects/42/merge_requests/7/notes/1") in [(r["method"], r["path"]) for r in forge.take()]

    failing = run_script("gitlab-ci.yml", {**env, "CI_MERGE_REQUEST_IID": "8", "CI_COMMIT_SHA": controller["broken"]}, tmp_path)
    assert failing.returncode != 0
    assert forge.take()[-1]["body"]["state"] == "failed"
