import ContinuumTesting
import Foundation
import Testing

/// `type: libvirt` end to end: `continuum apply` defines a network and VMs on libvirtd's
/// test driver, virsh (a second process) sees them, a second plan has nothing to do, and
/// removing a VM from the spec undefines it with its volumes.
@Suite("libvirt provider through the CLI")
struct LibvirtCLITests {
    static func spec(_ daemon: LibvirtDaemon, seeds: URL, vms: [String]) -> String {
        let provider = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata:
              name: fra-kvm
            spec:
              type: libvirt
              config:
                uri: \(daemon.uri)
                storagePool: default-pool
                imageDirectory: \(seeds.path)
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
        _ = try directory.write("spec/lab.yaml", Self.spec(daemon, seeds: seeds, vms: ["vm-a", "vm-b"]))

        let apply = try CLIRunner.run(["apply", "spec", "--auto-approve"], in: directory.url)
        #expect(apply.status == 0, "\(apply.stdout)\(apply.stderr)")
        #expect(apply.stdout.contains("Apply complete! Resources: 3 added"))
        let domains = try daemon.virsh(["list", "--all", "--name"])
        #expect(domains.contains("vm-a") && domains.contains("vm-b"))
        #expect(try daemon.virsh(["net-list", "--all", "--name"]).contains("lab-net"))

        let plan = try CLIRunner.run(["plan", "spec", "--detailed-exitcode"], in: directory.url)
        #expect(plan.status == 0, "read back through libvirt, the domains match the spec: \(plan.stdout)")

        _ = try directory.write("spec/lab.yaml", Self.spec(daemon, seeds: seeds, vms: ["vm-a"]))
        let prune = try CLIRunner.run(["apply", "spec", "--auto-approve"], in: directory.url)
        #expect(prune.stdout.contains("0 added, 0 changed, 0 replaced, 1 destroyed"), "\(prune.stdout)\(prune.stderr)")
        #expect(!(try daemon.virsh(["list", "--all", "--name"])).contains("vm-b"))
        #expect(!(try daemon.virsh(["vol-list", "default-pool"])).contains("vm-b-"))
    }
}
