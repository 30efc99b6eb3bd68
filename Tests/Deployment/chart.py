"""Renders charts/continuum offline with helm-python-sdk (Helm v4's library) and gives the
documents back parsed, with the stream `helm template` would print."""
from __future__ import annotations

import copy
import pathlib

import helm_python as helm
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "continuum"
REPOSITORY = "https://git.example.com/platform/fleet.git"


def merge(base: dict, extra: dict) -> dict:
    """`base` with `extra` laid over it, nested mappings merged."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class Rendered:
    """One release rendered: its templates' texts, the YAML stream, the documents by kind/name."""

    def __init__(self, templates: dict[str, str]):
        self.templates = templates
        parts = []
        for path in sorted(templates):
            text = templates[path].strip()
            if not text or path.endswith("NOTES.txt"):
                continue
            parts.append(f"---\n# Source: {path}\n{text}\n")
        self.stream = "".join(parts)
        self.documents = [d for d in yaml.safe_load_all(self.stream) if d]
        self.notes = templates.get("continuum/templates/NOTES.txt", "")

    def kinds(self) -> list[str]:
        return sorted(d["kind"] for d in self.documents)

    def one(self, kind: str, name: str | None = None) -> dict:
        found = [d for d in self.documents if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
        assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}: {self.kinds()}"
        return found[0]

    def all(self, kind: str) -> list[dict]:
        return [d for d in self.documents if d["kind"] == kind]

    # The controller's pod, container, arguments and mounts.
    @property
    def deployment(self) -> dict:
        return self.one("Deployment")

    @property
    def pod(self) -> dict:
        return self.deployment["spec"]["template"]["spec"]

    @property
    def container(self) -> dict:
        (container,) = self.pod["containers"]
        return container

    @property
    def args(self) -> list[str]:
        return self.container["args"]

    def flag(self, name: str) -> str | None:
        """The value of `--name=VALUE` in the arguments, None when absent."""
        values = [a.split("=", 1)[1] for a in self.args if a.startswith(f"--{name}=")]
        assert len(values) <= 1, f"--{name} given {len(values)} times"
        return values[0] if values else None

    def mounts(self) -> dict[str, dict]:
        return {m["mountPath"]: m for m in self.container["volumeMounts"]}

    def volumes(self) -> dict[str, dict]:
        return {v["name"]: v for v in self.pod["volumes"]}


def render(values: dict | None = None, *, name: str = "continuum", namespace: str = "continuum") -> Rendered:
    """The chart rendered with `values` over the repository URL (the one value that is required)."""
    full = merge({"git": {"repository": REPOSITORY}}, values or {})
    with helm.Chart.load(str(CHART)) as chart:
        return Rendered(chart.render(full, name=name, namespace=namespace, is_install=True))


def render_raw(values: dict) -> Rendered:
    """The chart rendered with exactly `values` (nothing added)."""
    with helm.Chart.load(str(CHART)) as chart:
        return Rendered(chart.render(values, name="continuum", namespace="continuum", is_install=True))


def schema_error(values: dict) -> str:
    """The message with which the schema refuses `values`; fails when they are accepted."""
    with helm.Chart.load(str(CHART)) as chart:
        try:
            chart.validate_schema(values)
        except helm.HelmValuesError as error:
            return str(error)
    raise AssertionError(f"the schema accepted {values}")
