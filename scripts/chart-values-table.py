#!/usr/bin/env python3
"""Prints the values table of charts/continuum (Markdown), generated from values.schema.json
with the defaults of values.yaml; `--write` puts it into docs/install.md between the
`<!-- values-table:begin -->` and `<!-- values-table:end -->` markers. The chart tests check
that docs/install.md holds exactly what this prints.

Needs PyYAML (in the tests' venv: source scripts/python-env.sh)."""
from __future__ import annotations

import json
import pathlib
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
CHART = ROOT / "charts" / "continuum"
DOC = ROOT / "docs" / "install.md"
BEGIN, END = "<!-- values-table:begin -->", "<!-- values-table:end -->"


def type_of(node: dict) -> str:
    if "enum" in node:
        return " \\| ".join(f"`{v}`" for v in node["enum"])
    kind = node.get("type")
    if kind is None and "anyOf" in node:
        return " or ".join(sorted({a.get("type", "?") for a in node["anyOf"]}))
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        items = node.get("items", {})
        return f"list of {items.get('type', 'any')}s"
    if kind == "object" and node.get("additionalProperties") not in (False, None):
        return "map of strings" if node["additionalProperties"] == {"type": "string"} else "object"
    return kind or "any"


def default_of(values, path: list[str]) -> str:
    for key in path:
        if not isinstance(values, dict) or key not in values:
            return "—"
        values = values[key]
    text = json.dumps(values, separators=(", ", ": "))
    return "`" + text.replace("|", "\\|") + "`" if text != '""' else '`""`'


def rows(node: dict, values, path: list[str]):
    for key, child in node.get("properties", {}).items():
        here = path + [key]
        described = child.get("description", "").replace("|", "\\|").replace("\n", " ")
        if child.get("type") == "object" and child.get("additionalProperties") is False and key != "resources":
            yield from rows(child, values, here)
        else:
            constraints = []
            if "minimum" in child:
                constraints.append(f"at least {child['minimum']}")
            if "maximum" in child:
                constraints.append(f"at most {child['maximum']}")
            extra = f" ({', '.join(constraints)})" if constraints else ""
            yield f"| `{'.'.join(here)}` | {type_of(child)}{extra} | {default_of(values, here)} | {described} |"
            items = child.get("items", {})
            for name, field in items.get("properties", {}).items():
                required = " Required." if name in items.get("required", []) else ""
                text = field.get("description", "").replace("|", "\\|")
                yield f"| `{'.'.join(here)}[].{name}` | {type_of(field)} | — | {text}{required} |"


def table() -> str:
    schema = json.loads((CHART / "values.schema.json").read_text())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    lines = ["| Key | Type | Default | Description |", "| --- | --- | --- | --- |"]
    lines += rows(schema, values, [])
    return "\n".join(lines) + "\n"


def spliced(document: str, generated: str) -> str:
    head, rest = document.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{generated}{END}{tail}"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        DOC.write_text(spliced(DOC.read_text(), table()))
    else:
        sys.stdout.write(table())
