import Foundation

/// Writes a Virt8ra-like spec repository (issue 16's fleet): 12 sim providers of
/// concurrency 8, each in a file of its own, and per site one file with a network, 6 VMs,
/// 3 bare-metal nodes and a Kubernetes cluster whose worker pool is those nodes (11
/// resources); sites are spread over the providers round robin. 100,112 resources are
/// 9,100 sites in 9,112 files.
struct Virt8raGenerator {
    static let providers = 12
    static let resourcesPerSite = 11

    let sites: Int

    init(resources: Int) {
        sites = max(1, (resources - Self.providers) / Self.resourcesPerSite)
    }

    var resourceCount: Int { sites * Self.resourcesPerSite + Self.providers }

    /// Writes the repository under `root`; returns the number of files.
    func write(to root: URL) throws -> Int {
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sites"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("providers"), withIntermediateDirectories: true)
        for index in 0..<Self.providers {
            try Data(provider(index).utf8).write(to: root.appendingPathComponent("providers/p\(index).yaml"))
        }
        for index in 0..<sites {
            try Data(site(index).utf8).write(to: root.appendingPathComponent("sites/s\(index).yaml"))
        }
        return sites + Self.providers
    }

    func provider(_ index: Int) -> String {
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata: {name: p\(index)}
        spec:
          type: sim
          site: region-\(index)
          config: {latency: "0ms", seed: "42"}
          limits: {concurrency: 8}

        """
    }

    func site(_ index: Int) -> String {
        let name = "s\(index)"
        let provider = "p\(index % Self.providers)"
        var docs = [
            """
            apiVersion: continuum.dev/v1
            kind: Network
            metadata: {name: \(name)-net, labels: {site: \(name)}}
            spec: {provider: \(provider), cidr: 10.\(index / 256 % 256).\(index % 256).0/24, vlan: \(100 + index % 3000)}

            """,
        ]
        for vm in 0..<6 {
            docs.append(
                """
                apiVersion: continuum.dev/v1
                kind: VirtualMachine
                metadata: {name: \(name)-vm-\(vm), labels: {site: \(name), role: \(vm < 2 ? "edge" : "app")}}
                spec:
                  provider: \(provider)
                  cpu: \(2 + vm % 3)
                  memory: \(4 << (vm % 3))Gi
                  image: debian-12
                  disks: [{size: 40Gi}]
                  networks: [Network/\(name)-net]

                """)
        }
        for node in 0..<3 {
            docs.append(
                """
                apiVersion: continuum.dev/v1
                kind: BareMetalNode
                metadata: {name: \(name)-bm-\(node), labels: {pool: \(name)-metal}}
                spec:
                  provider: \(provider)
                  systemId: /redfish/v1/Systems/\(name)-\(node)
                  image: https://images.example/debian-12.iso
                  cluster: \(name)-k8s

                """)
        }
        docs.append(
            """
            apiVersion: continuum.dev/v1
            kind: KubernetesCluster
            metadata: {name: \(name)-k8s}
            spec:
              provider: \(provider)
              version: "1.31"
              network: Network/\(name)-net
              controlPlane: {replicas: 1, machine: {cpu: 2, memory: 4Gi, image: debian-12}}
              nodePools:
                - {name: metal, nodes: {matchLabels: {pool: \(name)-metal}}}

            """)
        return docs.joined(separator: "---\n")
    }
}
