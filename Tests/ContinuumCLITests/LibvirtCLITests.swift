import ContinuumTesting
import Foundation
import Testing

/// `type: libvirt` end to end: `continuum apply` defines a network and VMs on libvirtd's
/// test driver, virsh (a second process) sees them, a second plan has nothing to do, and
/// removing a VM from the spec undefines it with its volumes.
@Suite("libvirt provider through the CLI")
struct LibvirtCLITests {
    /// The operator's side: the hypervisor and its directories. The test driver reads host
    /// files by design, so the connection must allow unsafe URIs.
    static func operatorConfig(_ daemon: LibvirtDaemon, seeds: URL, allowUnsafeURI: Bool = true) -> String {
        OperatorConfigSample.file(connections: [
            OperatorConfigSample.connection("lab-kvm", type: "libvirt",
                settings: [("uri", daemon.uri), ("storagePool", "default-pool"), ("imageDirectory", seeds.path)], tunable: ["maxCpu", "maxMemory"],
                allowUnsafeURI: allowUnsafeURI),
        ])
    }

    static func spec(vms: [String]) -> String {
        let provider = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata:
              name: fra-kvm
            spec:
              type: libvirt
              connection: lab-kvm
            """
        let network = """
            apiVersion: continuum.dev/v1
            kind: Network
            metadata:
              name: lab-net
            spec:
              provider: fra-kvm
              cidr: 10.60.0.0/24
            """
        let machines = vms.map { name in
            """
            apiVersion: continuum.dev/v1
            kind: VirtualMachine
            metadata:
              name: \(name)
            spec:
              provider: fra-kvm
              cpu: 2
              memory: 2Gi
              image: debian-12
              disks: [{size: 10Gi}]
              networks: [Network/lab-net]
              userData: |
                #cloud-config
                hostname: \(name)
            """
        }
        return ([provider, network] + machines).joined(separator: "\n---\n") + "\n"
    }

    @Test func applyPlanAndPruneVirtualMachines() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let daemon = try LibvirtDaemon(in: directory.url)
        defer { daemon.stop() }
        try daemon.addBaseImage(size: "2G")
        let seeds = directory.url.appendingPathComponent("seeds")
        let config = try directory.write("operator.yaml", Self.operatorConfig(daemon, seeds: seeds)).path
        _ = try directory.write("spec/lab.yaml", Self.spec(vms: ["vm-a", "vm-b"]))

        let apply = try CLIRunner.run(["apply", "spec", "--auto-approve", "--config", config], in: directory.url)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete! Resources: 3 added"))
        let domains = try daemon.virsh(["list", "--all", "--name"])
        #expect(domains.contains("vm-a") && domains.contains("vm-b"))
        #expect(try daemon.virsh(["net-list", "--all", "--name"]).contains("lab-net"))

        let plan = try CLIRunner.run(["plan", "spec", "--detailed-exitcode", "--config", config], in: directory.url)
        #expect(plan.status == 0, "read back through libvirt, the domains match the spec: \(plan.stdout)")

        _ = try directory.write("spec/lab.yaml", Self.spec(vms: ["vm-a"]))
        let prune = try CLIRunner.run(["apply", "spec", "--auto-approve", "--config", config], in: directory.url)
        #expect(prune.stdout.contains("0 added, 0 changed, 0 replaced, 1 destroyed"), "\(prune.stdout)\(prune.stderr)")
        #expect(!(try daemon.virsh(["list", "--all", "--name"])).contains("vm-b"))
        #expect(!(try daemon.virsh(["vol-list", "default-pool"])).contains("vm-b-"))
    }

    /// A libvirt URI that runs a program or reads a host file is the operator's to allow:
    /// a connection without allowUnsafeURI refuses it, and a spec cannot set the URI at all.
    @Test(arguments: [
        ("", "test+tcp://127.0.0.1:1/default", "spec.config.uri: the test driver reads a host file of the URI's choosing; only an operator connection with allowUnsafeURI: true may use it"),
        ("", "qemu+ext:///system?command=/tmp/evil", "spec.config.uri: the ext transport runs a program"),
        ("", "qemu+ssh://host/system?keyfile=/etc/shadow", "spec.config.uri: the URI parameter keyfile= changes how libvirt connects"),
        ("\n  config: {uri: \"qemu:///system\"}", "qemu:///system", "spec.config.uri: set by the operator for connection 'lab-kvm'; a spec may tune only maxCpu, maxMemory"),
    ])
    func unsafeURIsAreTheOperatorsToAllow(specLines: String, uri: String, error: String) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let config = try directory.write("operator.yaml", OperatorConfigSample.file(connections: [
            OperatorConfigSample.connection("lab-kvm", type: "libvirt", settings: [("uri", "\"\(uri)\"")], tunable: ["maxCpu", "maxMemory"]),
        ])).path
        _ = try directory.write("spec/p.yaml", """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata: {name: fra-kvm}
            spec:
              type: libvirt
              connection: lab-kvm\(specLines)
            """)
        let result = try CLIRunner.run(["validate", "spec", "--config", config], in: directory.url)
        #expect(result.status == 1)
        #expect(result.stderr.contains(error), "\(result.stderr)")
    }
}
