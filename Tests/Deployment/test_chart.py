"""The Helm chart charts/continuum, rendered offline with helm-python-sdk (Helm v4's
library; no cluster and no helm binary here), every document validated with
kubernetes-validate --strict for Kubernetes 1.29 and 1.33, the stream checked by yamllint,
and the values schema shown to refuse bad values with a message naming the key."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import pathlib

import helm_python as helm
import pytest

from chart import CHART, REPOSITORY, Rendered, render, render_raw, schema_error

BIN = pathlib.Path(sys.executable).parent
KUBERNETES_VERSIONS = ["1.29.0", "1.33.0"]
# Kinds kubernetes-validate has no schema for (it validates built-in kinds only); their
# shape is asserted below instead.
CUSTOM_KINDS = {"ServiceMonitor"}

# The value sets the issue names, besides the defaults.
VALUE_SETS = {
    "defaults": {},
    "ssh-git": {
        "git": {
            "repository": "git@git.example.com:platform/fleet.git",
            "reference": {"type": "tag", "name": "v1.4.0"},
            "path": "sites/fra",
            "ssh": {"secretName": "fleet-deploy-key"},
        },
    },
    "https-token": {
        "git": {
            "repository": "https://gitlab.example.com/platform/fleet.git",
            "reference": {"type": "commit", "name": "0123456789abcdef0123456789abcdef01234567"},
            "token": {"secretName": "fleet-token", "key": "pat"},
            "verifySignatures": {"secretName": "fleet-signers"},
        },
        "api": {"tokens": {"existingSecret": "continuum-api", "readKey": "r", "writeKey": "w"}},
    },
    "postgresql-3-replicas": {
        "replicas": 3,
        "state": {
            "backend": "postgresql",
            "postgresql": {"url": "postgres://continuum@pg.db.svc:5432/continuum?sslmode=verify-full", "passwordSecretName": "continuum-pg"},
        },
        "podDisruptionBudget": {"maxUnavailable": 1},
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
            "weight": 100,
            "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "continuum"}}},
        }]}},
    },
    "webhooks-ingress-monitoring-networkpolicy": {
        "webhooks": {
            "enabled": True, "secretName": "continuum-webhook",
            "ingress": {"enabled": True, "className": "nginx", "host": "hooks.example.com", "tlsSecretName": "hooks-tls",
                        "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"}},
        },
        "metrics": {"serviceMonitor": {"enabled": True, "interval": "15s", "labels": {"release": "prometheus"}}},
        "networkPolicy": {
            "enabled": True,
            "apiFrom": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
            "webhooksFrom": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
            "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}, {"ports": [{"port": 443, "protocol": "TCP"}]}],
        },
    },
    "external-provider-program": {
        "operatorConfig": {
            "connections": {
                "files": {"type": "external", "program": {"path": "/opt/continuum/providers/jsonfiles", "arguments": ["--root", "/var/lib/continuum/files"]},
                          "settings": {"directory": "/var/lib/continuum/files"}},
                "fra-bmc": {"type": "redfish", "settings": {"endpoint": "https://10.0.0.5"},
                            "credentials": {"username": {"env": "FRA_BMC_USER"}, "password": {"file": "fra-bmc/password"}}},
            },
            "tenants": {"platform": {"paths": ["shared/"], "connections": ["files", "fra-bmc"]}},
        },
        "providerCredentials": [{"name": "fra-bmc", "secretName": "fra-bmc-credentials"}],
        "providerVolumes": [{"name": "providers", "mountPath": "/opt/continuum/providers", "configMap": "continuum-providers"}],
        "controller": {
            "selfHeal": False, "prune": False, "maxDestroy": 0, "parallelism": 4, "logFormat": "text", "logLevel": "debug",
            "interval": "30s", "driftInterval": "10m", "lockLease": "2m", "extraArgs": ["--http-max-connections=64"],
            "extraEnv": [{"name": "FRA_BMC_USER", "valueFrom": {"secretKeyRef": {"name": "fra-bmc-credentials", "key": "username"}}}],
        },
        "state": {"persistence": {"storageClassName": "fast", "size": "5Gi"}},
    },
}


@pytest.fixture(scope="module", params=sorted(VALUE_SETS))
def release(request) -> tuple[str, Rendered]:
    return request.param, render(VALUE_SETS[request.param])


# --- Helm's own checks -------------------------------------------------------------------

def test_lint_passes_with_only_a_repository():
    report = helm.lint(str(CHART), {"git": {"repository": REPOSITORY}}, strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("name", sorted(VALUE_SETS))
def test_lint_passes_for_every_value_set(name):
    from chart import merge
    values = merge({"git": {"repository": REPOSITORY}}, VALUE_SETS[name])
    for version in KUBERNETES_VERSIONS:
        report = helm.lint(str(CHART), values, strict=True, kube_version=f"v{version}")
        assert report["errors"] == [], report


# --- Every document valid for Kubernetes 1.29 and 1.33, and clean YAML -----------------

@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_document_is_valid_kubernetes(release, version, tmp_path):
    name, rendered = release
    stream = tmp_path / f"{name}.yaml"
    stream.write_text(rendered.stream)
    result = subprocess.run([BIN / "kubernetes-validate", "--strict", "-k", version, str(stream)],
                            capture_output=True, text=True)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    passed = re.findall(r"passed for resource (\S+) against version", output)
    built_in = [d for d in rendered.documents if d["kind"] not in CUSTOM_KINDS]
    assert len(passed) == len(built_in), output
    assert "ERROR" not in output, output


def test_yamllint_finds_nothing(release, tmp_path):
    name, rendered = release
    stream = tmp_path / f"{name}.yaml"
    stream.write_text(rendered.stream)
    # Helm's toYaml writes a mapping's sequences unindented where the templates indent theirs: both are accepted.
    config = ("{extends: default, rules: {line-length: {max: 200}, document-start: {present: true}, "
              "indentation: {spaces: 2, indent-sequences: whatever}}}")
    result = subprocess.run([BIN / "yamllint", "--strict", "-d", config, str(stream)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- The pod: hardened, probed, mounted, with exactly the controller's flags ------------

def test_the_pod_is_hardened(release):
    _, rendered = release
    pod, container = rendered.pod, rendered.container
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 65532
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    context = container["securityContext"]
    assert context["runAsNonRoot"] is True
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["privileged"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False
    assert container["resources"]["limits"]["memory"]


def test_probes_are_healthz_and_readyz_on_the_api_port(release):
    _, rendered = release
    container = rendered.container
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert rendered.flag("listen") == f"0.0.0.0:{ports['http']}"


def test_writable_places_are_volumes_and_secrets_are_read_only(release):
    _, rendered = release
    mounts, volumes = rendered.mounts(), rendered.volumes()
    for path in ["/var/lib/continuum", "/var/cache/continuum", "/tmp"]:
        assert mounts[path].get("readOnly") is not True
    for path, mount in mounts.items():
        if path.startswith("/etc/continuum/") or path.startswith("/opt/"):
            assert mount["readOnly"] is True, path
    assert "configMap" in volumes["config"]
    assert rendered.flag("config") == "/etc/continuum/config/config.yaml"
    assert rendered.flag("state").startswith("/var/lib/continuum/") or rendered.flag("state").startswith("postgres")
    assert rendered.flag("cache-dir").startswith("/var/cache/continuum/")
    assert rendered.flag("secrets-dir").startswith("/var/lib/continuum/")
    # Every file flag points into a mounted volume.
    for name in ["git-ssh-key", "git-known-hosts", "git-token-file", "verify-signatures", "webhook-secret-file",
                 "api-token-file", "api-write-token-file", "config"]:
        value = rendered.flag(name)
        if value is not None:
            assert any(value.startswith(path + "/") for path in mounts), f"--{name}={value} is in no mount"


def test_every_argument_is_a_controller_flag(release):
    """The chart passes only flags `continuum controller` has (ControllerCommand and its option groups)."""
    _, rendered = release
    known = controller_flags()
    args = rendered.args
    assert args[0] == "controller"
    for argument in args[1:]:
        flag = argument.split("=", 1)[0]
        assert flag in known, f"{flag} is not a flag of continuum controller"


def controller_flags() -> set[str]:
    """The long options the controller declares, read from its Swift sources."""
    root = CHART.parents[1] / "Sources" / "ContinuumCLI"
    files = [root / "Commands" / "ControllerCommand.swift", root / "Support" / "GitSourceArguments.swift",
             root / "Support" / "SpecOptions.swift"]
    flags = set()
    for path in files:
        text = path.read_text()
        flags |= {"--" + m for m in re.findall(r'customLong\("([a-z-]+)"\)', text)}
        # Options named after their property (not customLong): camelCase becomes kebab-case.
        for name in re.findall(r"@(?:Option|Flag)\((?!name:)[^\n]*\)\s*(?:\n\s*)?var (\w+)", text):
            flags.add("--" + re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), name))
    return flags


# --- Each value set does what it says ---------------------------------------------------

def test_defaults_start_a_controller_with_only_a_repository():
    rendered = render()
    assert rendered.kinds() == sorted(["ConfigMap", "Deployment", "PersistentVolumeClaim", "PodDisruptionBudget",
                                       "Secret", "Service", "ServiceAccount"])
    assert rendered.flag("repo") == REPOSITORY
    assert rendered.flag("branch") == "main"
    assert rendered.flag("log-format") == "json"
    # Off loopback the API needs tokens: the chart makes them.
    secret = rendered.one("Secret")
    assert set(secret["data"]) == {"read", "write"}
    assert rendered.flag("api-token-file") == "/etc/continuum/secrets/api/read"
    assert rendered.deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert rendered.deployment["spec"]["replicas"] == 1
    claim = rendered.one("PersistentVolumeClaim")
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    assert rendered.volumes()["state"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert "--webhook-listen" not in " ".join(rendered.args)
    for flag in ["no-self-heal", "no-prune"]:
        assert f"--{flag}" not in rendered.args
    assert rendered.flag("max-destroy") is None
    config = __import__("yaml").safe_load(rendered.one("ConfigMap")["data"]["config.yaml"])
    assert config == {"apiVersion": "continuum.dev/v1", "kind": "OperatorConfig", "secretsDirectory": "/etc/continuum/secrets"}
    assert "webhooks are off" in rendered.notes.lower()


def test_ssh_git_mounts_the_key_and_known_hosts():
    rendered = render(VALUE_SETS["ssh-git"])
    assert rendered.flag("repo") == "git@git.example.com:platform/fleet.git"
    assert rendered.flag("tag") == "v1.4.0"
    assert rendered.flag("branch") is None
    assert rendered.flag("path") == "sites/fra"
    assert rendered.flag("git-ssh-key") == "/etc/continuum/secrets/git/ssh/identity"
    assert rendered.flag("git-known-hosts") == "/etc/continuum/secrets/git/ssh/known_hosts"
    assert rendered.volumes()["git-ssh"]["secret"]["secretName"] == "fleet-deploy-key"


def test_https_token_and_signatures():
    rendered = render(VALUE_SETS["https-token"])
    assert rendered.flag("commit") == "0123456789abcdef0123456789abcdef01234567"
    assert rendered.flag("git-token-file") == "/etc/continuum/secrets/git/token/pat"
    assert rendered.flag("verify-signatures") == "/etc/continuum/secrets/git/signatures/keyring.gpg"
    assert rendered.flag("git-ssh-key") is None
    # An existing token Secret: the chart makes none.
    assert rendered.all("Secret") == []
    assert rendered.volumes()["api-tokens"]["secret"]["secretName"] == "continuum-api"
    assert rendered.flag("api-write-token-file") == "/etc/continuum/secrets/api/w"


def test_postgresql_state_runs_three_replicas_without_a_volume_claim():
    rendered = render(VALUE_SETS["postgresql-3-replicas"])
    spec = rendered.deployment["spec"]
    assert spec["replicas"] == 3
    assert spec["strategy"]["type"] == "RollingUpdate"
    assert rendered.all("PersistentVolumeClaim") == []
    assert rendered.flag("state") == "postgres://continuum@pg.db.svc:5432/continuum?sslmode=verify-full"
    (password,) = [e for e in rendered.container["env"] if e["name"] == "PGPASSWORD"]
    assert password["valueFrom"]["secretKeyRef"] == {"name": "continuum-pg", "key": "password"}
    assert "emptyDir" in rendered.volumes()["state"]


def test_webhooks_ingress_servicemonitor_and_networkpolicy():
    rendered = render(VALUE_SETS["webhooks-ingress-monitoring-networkpolicy"])
    assert rendered.flag("webhook-listen") == "0.0.0.0:9292"
    assert rendered.flag("webhook-secret-file") == "/etc/continuum/secrets/webhook/secret"
    hooks = rendered.one("Service", "continuum-webhooks")
    assert hooks["spec"]["ports"] == [{"name": "webhooks", "port": 9292, "targetPort": "webhooks", "protocol": "TCP"}]
    ingress = rendered.one("Ingress")
    (rule,) = ingress["spec"]["rules"]
    # Only the webhooks go through the Ingress, never the API.
    assert [(p["path"], p["backend"]["service"]["name"]) for p in rule["http"]["paths"]] == [("/hooks/", "continuum-webhooks")]
    assert ingress["spec"]["tls"] == [{"hosts": ["hooks.example.com"], "secretName": "hooks-tls"}]
    monitor = rendered.one("ServiceMonitor")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    (endpoint,) = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics" and endpoint["interval"] == "15s"
    assert endpoint["authorization"]["credentials"] == {"name": "continuum-api-tokens", "key": "read"}
    assert monitor["spec"]["selector"]["matchLabels"] == rendered.deployment["spec"]["selector"]["matchLabels"]
    policy = rendered.one("NetworkPolicy")
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    ports = [[p["port"] for p in rule["ports"]] for rule in policy["spec"]["ingress"]]
    assert ports == [["http"], ["webhooks"]]
    assert "https://hooks.example.com/hooks/github" in rendered.notes
    assert "https://hooks.example.com/hooks/gitlab" in rendered.notes


def test_external_provider_program_credentials_and_controller_knobs():
    rendered = render(VALUE_SETS["external-provider-program"])
    mounts, volumes = rendered.mounts(), rendered.volumes()
    assert mounts["/opt/continuum/providers"]["readOnly"] is True
    assert volumes["provider-providers"]["configMap"] == {"name": "continuum-providers", "defaultMode": 0o555}
    assert mounts["/etc/continuum/secrets/fra-bmc"]["readOnly"] is True
    assert volumes["credentials-fra-bmc"]["secret"]["secretName"] == "fra-bmc-credentials"
    config = __import__("yaml").safe_load(rendered.one("ConfigMap")["data"]["config.yaml"])
    assert config["secretsDirectory"] == "/etc/continuum/secrets"
    assert config["connections"]["files"]["program"]["path"] == "/opt/continuum/providers/jsonfiles"
    assert config["tenants"]["platform"]["connections"] == ["files", "fra-bmc"]
    args = rendered.args
    assert "--no-self-heal" in args and "--no-prune" in args
    assert rendered.flag("max-destroy") == "0"
    assert rendered.flag("parallelism") == "4"
    assert rendered.flag("log-format") == "text"
    assert rendered.flag("log-level") == "debug"
    assert rendered.flag("interval") == "30s"
    assert rendered.flag("drift-interval") == "10m"
    assert rendered.flag("lock-lease") == "2m"
    assert args[-1] == "--http-max-connections=64"
    assert {"name": "FRA_BMC_USER", "valueFrom": {"secretKeyRef": {"name": "fra-bmc-credentials", "key": "username"}}} in rendered.container["env"]
    assert rendered.one("PersistentVolumeClaim")["spec"]["storageClassName"] == "fast"


def test_a_changed_operator_configuration_restarts_the_pods():
    before = render()
    after = render({"operatorConfig": {"tenants": {"fra": {"paths": ["fra/"]}}}})
    key = "checksum/config"
    assert before.deployment["spec"]["template"]["metadata"]["annotations"][key] != \
        after.deployment["spec"]["template"]["metadata"]["annotations"][key]


# --- Bad values are refused by the schema, naming the key -------------------------------

@pytest.mark.parametrize("values, expected", [
    ({"git": {"repository": REPOSITORY}, "replicsa": 2}, "additional properties 'replicsa' not allowed"),
    ({"git": {"repository": REPOSITORY}, "controller": {"intervall": "1m"}}, "at '/controller': additional properties 'intervall' not allowed"),
    ({"git": {"repository": REPOSITORY}, "replicas": 3}, "at '/state/backend': value must be 'postgresql'"),
    ({}, "at '/git/repository': minLength: got 0, want 1"),
    ({"git": {"repository": REPOSITORY}, "controller": {"interval": "soon"}}, "at '/controller/interval'"),
    ({"git": {"repository": REPOSITORY}, "controller": {"logFormat": "xml"}}, "at '/controller/logFormat'"),
    ({"git": {"repository": REPOSITORY}, "controller": {"parallelism": "10"}}, "at '/controller/parallelism'"),
    ({"git": {"repository": REPOSITORY}, "webhooks": {"enabled": True}}, "at '/webhooks/secretName'"),
    ({"git": {"repository": REPOSITORY}, "state": {"backend": "postgresql"}}, "at '/state/postgresql/url'"),
    ({"git": {"repository": REPOSITORY, "path": "../etc"}}, "at '/git/path'"),
    ({"git": {"repository": REPOSITORY, "reference": {"type": "sha", "name": "x"}}}, "at '/git/reference/type'"),
    ({"git": {"repository": REPOSITORY}, "providerCredentials": [{"name": "git", "secretName": "x"}]}, "at '/providerCredentials/0/name'"),
])
def test_bad_values_are_refused_with_the_key_named(values, expected):
    message = schema_error(values)
    assert expected in message, message


def test_rendering_with_bad_values_fails_with_the_schema_message():
    with pytest.raises(helm.HelmValuesError, match=r"at '/state/backend': value must be 'postgresql'"):
        render({"replicas": 3})
    with pytest.raises(helm.HelmValuesError, match=r"/git/repository"):
        render_raw({})


def test_every_object_in_the_schema_refuses_unknown_keys():
    import json
    schema = json.loads((CHART / "values.schema.json").read_text())
    free = {"annotations", "labels", "podAnnotations", "podLabels", "nodeSelector", "affinity", "connections", "tenants"}

    def walk(node, path):
        if node.get("type") == "object" and path.split(".")[-1] not in free:
            assert node.get("additionalProperties") is False, f"{path} accepts unknown keys"
        for key, child in node.get("properties", {}).items():
            assert "type" in child or "anyOf" in child, f"{path}.{key} has no type"
            walk(child, f"{path}.{key}")
        if isinstance(node.get("items"), dict) and "properties" in node["items"]:
            walk(node["items"], path + "[]")
    walk(schema, "values")


def test_values_yaml_is_what_the_schema_describes():
    """Every key of values.yaml is in the schema, and every leaf of the schema in values.yaml."""
    import json
    import yaml
    schema = json.loads((CHART / "values.schema.json").read_text())
    values = yaml.safe_load((CHART / "values.yaml").read_text())

    def leaves(node, prefix=""):
        for key, child in node.get("properties", {}).items():
            if child.get("type") == "object" and child.get("additionalProperties") is False and key != "resources":
                yield from leaves(child, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}"

    def value_leaves(node, prefix=""):
        for key, child in node.items():
            if isinstance(child, dict) and child and key not in {"connections", "tenants", "resources"}:
                yield from value_leaves(child, f"{prefix}{key}.")
            else:
                yield f"{prefix}{key}"
    assert set(leaves(schema)) == set(value_leaves(values))
