#!/usr/bin/env python3
"""A Continuum external provider that keeps each object as a JSON file in a directory.

It speaks Continuum's external provider protocol, version 1 (docs/external-providers.md):
JSON-RPC 2.0 over standard input and output, one JSON object a line. It is small on
purpose: a starting point for a provider of OpenNebula, Proxmox or a cloud vendor's API.

The operator declares it on an external connection of the operator configuration
(--config FILE; see docs/external-providers.md), and a Provider names that connection
(spec: {type: external, connection: lab-files}):

  connections:
    lab-files:
      type: external
      program:
        path: /usr/bin/python3
        arguments: [/ABSOLUTE/PATH/TO/examples/providers/jsonfiles.py]
      settings:
        directory: /var/lib/continuum/jsonfiles   # where the objects live (required)
        kinds: [VirtualMachine, Network]           # optional; default every kind but Provider
      tunable: [timeout]

The connection's settings, with the keys the spec tunes on top, arrive as the `config` of
`initialize`. For Continuum's own tests it also takes two fault hooks in that config:
  crashOn: <name>     exit with status 3 when asked to create a resource of that name
  garbageOn: <name>   write a line that is not JSON instead of answering that create
"""
import json
import os
import sys

PROTOCOL_VERSION = 1
KINDS = ["Network", "VirtualMachine", "BareMetalNode", "KubernetesCluster"]


class ProviderError(Exception):
    def __init__(self, kind, message, remedy):
        super().__init__(message)
        self.kind, self.message, self.remedy = kind, message, remedy


class JsonFiles:
    def __init__(self):
        self.directory = None
        self.kinds = KINDS
        self.crash_on = self.garbage_on = None

    def initialize(self, params):
        if params.get("protocolVersion") != PROTOCOL_VERSION:
            raise ProviderError("invalidRequest", "protocol version %r is not supported" % params.get("protocolVersion"),
                                "use a Continuum that speaks version %d" % PROTOCOL_VERSION)
        config = params.get("config") or {}
        if not config.get("directory"):
            raise ProviderError("invalidRequest", "settings.directory is required", "set it on the operator connection to a writable directory")
        self.directory = config["directory"]
        self.kinds = config.get("kinds") or KINDS
        self.crash_on, self.garbage_on = config.get("crashOn"), config.get("garbageOn")
        os.makedirs(self.directory, exist_ok=True)
        return {"protocolVersion": PROTOCOL_VERSION, "name": "jsonfiles", "kinds": self.kinds}

    def path(self, provider_id):
        if "/" in provider_id or provider_id.startswith("."):
            raise ProviderError("invalidRequest", "bad provider id %r" % provider_id, "ids come from create")
        return os.path.join(self.directory, provider_id + ".json")

    def load(self, provider_id):
        try:
            with open(self.path(provider_id)) as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def store(self, record):
        path = self.path(record["providerID"])
        with open(path + ".tmp", "w") as f:
            json.dump(record, f, sort_keys=True)
        os.replace(path + ".tmp", path)

    @staticmethod
    def observed(record):
        return {"providerID": record["providerID"], "spec": record["spec"], "outputs": record["outputs"]}

    def read(self, params):
        record = self.load(params["providerID"])
        return self.observed(record) if record else None

    def lookup(self, params):
        for name in sorted(os.listdir(self.directory)):
            if name.endswith(".json"):
                record = self.load(name[:-5])
                if record and record["id"] == params["id"] and record["idempotencyKey"] == params["idempotencyKey"]:
                    return self.observed(record)
        return None

    def create(self, params):
        if self.crash_on == params["name"]:
            print("jsonfiles: crashing on purpose (crashOn)", file=sys.stderr, flush=True)
            sys.exit(3)
        if self.garbage_on == params["name"]:
            print("Traceback (most recent call last): this is not JSON", flush=True)
            return None
        existing = self.lookup(params)
        if existing:
            return existing
        provider_id = "%s-%s" % (params["kind"].lower(), params["name"])
        outputs = {"id": {"string": provider_id}}
        if params["kind"] == "VirtualMachine":
            outputs["ipAddress"] = {"string": "192.0.2.%d" % (len(os.listdir(self.directory)) + 10)}
        record = {"providerID": provider_id, "id": params["id"], "idempotencyKey": params["idempotencyKey"],
                  "spec": params["spec"], "outputs": outputs}
        self.store(record)
        return self.observed(record)

    def update(self, params):
        record = self.load(params["providerID"])
        if not record:
            raise ProviderError("notFound", "%s is gone" % params["providerID"], "it will be created again")
        record["spec"] = params["spec"]
        self.store(record)
        return self.observed(record)

    def delete(self, params):
        try:
            os.remove(self.path(params["providerID"]))
        except FileNotFoundError:
            pass
        return None


def main():
    provider = JsonFiles()
    methods = {"initialize": provider.initialize, "read": provider.read, "lookup": provider.lookup,
               "create": provider.create, "update": provider.update, "delete": provider.delete}
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        response = {"jsonrpc": "2.0", "id": request.get("id")}
        try:
            method = methods.get(request.get("method"))
            if method is None:
                raise ProviderError("invalidRequest", "unknown method %r" % request.get("method"), "see the protocol")
            if request.get("method") != "initialize" and provider.directory is None:
                raise ProviderError("invalidRequest", "initialize first", "send initialize before anything else")
            result = method(request.get("params") or {})
            if result is None and request.get("method") == "create":
                continue  # the garbage test hook answered already
            response["result"] = result
        except ProviderError as error:
            response["error"] = {"code": -32000, "message": error.message, "data": {"kind": error.kind, "remedy": error.remedy}}
        except Exception as error:  # a bug here must not kill the conversation
            print("jsonfiles: %r" % error, file=sys.stderr, flush=True)
            response["error"] = {"code": -32603, "message": "internal error: %s" % error, "data": {"kind": "transient", "remedy": "see the provider's log"}}
        sys.stdout.write(json.dumps(response, sort_keys=True) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
