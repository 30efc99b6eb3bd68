"""docs/install.md holds the values table that scripts/chart-values-table.py generates from
charts/continuum/values.schema.json: a value added, removed or redescribed without
regenerating it fails here."""
import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def generator():
    spec = importlib.util.spec_from_file_location("chart_values_table", ROOT / "scripts" / "chart-values-table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_values_table_in_install_md_is_generated_from_the_schema():
    table = generator()
    document = (ROOT / "docs" / "install.md").read_text()
    assert table.spliced(document, table.table()) == document, \
        "docs/install.md's values table is stale: run `python3 scripts/chart-values-table.py --write` (in the tests' venv)"


def test_every_value_has_a_row():
    table = generator().table()
    for key in ["git.repository", "git.reference.type", "replicas", "state.backend", "controller.logFormat",
                "controller.maxDestroy", "webhooks.ingress.host", "metrics.serviceMonitor.enabled", "networkPolicy.egress"]:
        assert f"| `{key}` |" in table
