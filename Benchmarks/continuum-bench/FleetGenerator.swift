import ContinuumSpec
import Foundation

/// Writes a realistic spec repository: per site a provider, a network, 40 VMs, 8 bare-metal
/// nodes and a Kubernetes cluster joining them by label (51 resources), and every tenth
/// site a regional hub whose network gateway the other sites' first VM interpolates. The
/// last two VMs of a site are its ingress, configured with the cluster's API endpoint, so
/// each site has a chain: bare metal → cluster → ingress.
struct FleetGenerator {
    /// Resources per site.
    static let resourcesPerSite = 51
    static let countries = ["de", "fr", "es", "it", "nl", "pl", "se", "fi", "at", "pt"]

    /// VMs per site, of which the last two are ingress.
    static let machinesPerSite = 40

    let sites: Int
    let latency: String
    /// Latencies of kinds that differ from `latency` (`kindLatency` of the sim config).
    let kindLatency: [ResourceKind: String]
    let concurrency: Int

    init(resources: Int, latency: String = "20ms..300ms", kindLatency: [ResourceKind: String] = [:], concurrency: Int = 8) {
        sites = max(1, resources / Self.resourcesPerSite)
        self.latency = latency
        self.kindLatency = kindLatency
        self.concurrency = concurrency
    }

    var resourceCount: Int { sites * Self.resourcesPerSite }

    /// Writes the repository under `root`; returns the number of files.
    func write(to root: URL) throws -> Int {
        var files = 0
        func write(_ path: String, _ text: String) throws {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            files += 1
        }
        for site in 0..<sites {
            let name = siteName(site)
            let hub = siteName(site / 10 * 10)
            var docs = [provider(name), network(name, site: site)]
            try write("sites/\(name)/base.yaml", docs.joined(separator: "---\n"))
            docs = (0..<Self.machinesPerSite).map { vm($0, site: name, hub: site % 10 == 0 ? nil : hub) }
            try write("sites/\(name)/vms.yaml", docs.joined(separator: "---\n"))
            docs = (0..<8).map { metal($0, site: name) }
            try write("sites/\(name)/metal.yaml", docs.joined(separator: "---\n"))
            try write("sites/\(name)/cluster.yaml", cluster(name))
        }
        return files
    }

    func siteName(_ index: Int) -> String {
        "\(Self.countries[index % Self.countries.count])-site\(index)"
    }

    func provider(_ site: String) -> String {
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata: {name: \(site), labels: {site: \(site)}}
        spec:
          type: sim
          site: \(site)
          config: {latency: "\(latency)", seed: "42"\(kindLatencies)}
          limits: {concurrency: \(concurrency)}

        """
    }

    private var kindLatencies: String {
        guard !kindLatency.isEmpty else { return "" }
        return ", kindLatency: {" + kindLatency.sorted { $0.key < $1.key }.map { "\($0.key.rawValue): \"\($0.value)\"" }.joined(separator: ", ") + "}"
    }

    func network(_ site: String, site index: Int) -> String {
        """
        apiVersion: continuum.dev/v1
        kind: Network
        metadata: {name: \(site)-net}
        spec:
          provider: \(site)
          cidr: 10.\(index / 256 % 256).\(index % 256).0/24
          vlan: \(100 + index % 3000)

        """
    }

    func vm(_ index: Int, site: String, hub: String?) -> String {
        let isIngress = index >= Self.machinesPerSite - 2
        let userData = if isIngress {
            "\n  userData: \"kubernetes=${KubernetesCluster/\(site)-k8s.outputs.apiEndpoint}\""
        } else if index == 0, let hub {
            "\n  userData: \"hub=${Network/\(hub)-net.outputs.gateway}\""
        } else {
            ""
        }
        return """
            apiVersion: continuum.dev/v1
            kind: VirtualMachine
            metadata:
              name: \(site)-vm-\(index)
              labels: {site: \(site), tier: \(isIngress ? "ingress" : index % 4 == 0 ? "db" : "web")}
            spec:
              provider: \(site)
              cpu: \(1 + index % 8)
              memory: \(2 << (index % 4))Gi
              image: debian-12
              disks: [{size: 40Gi}]
              networks: [Network/\(site)-net]\(userData)

            """
    }

    func metal(_ index: Int, site: String) -> String {
        """
        apiVersion: continuum.dev/v1
        kind: BareMetalNode
        metadata: {name: \(site)-bm-\(index), labels: {pool: \(site)-metal}}
        spec:
          provider: \(site)
          systemId: /redfish/v1/Systems/\(site)-\(index)
          image: https://images.example/debian-12.iso
          cluster: \(site)-k8s

        """
    }

    func cluster(_ site: String) -> String {
        """
        apiVersion: continuum.dev/v1
        kind: KubernetesCluster
        metadata: {name: \(site)-k8s}
        spec:
          provider: \(site)
          version: "1.31"
          network: Network/\(site)-net
          controlPlane: {replicas: 3, machine: {cpu: 2, memory: 4Gi, image: debian-12}}
          nodePools:
            - {name: general, replicas: 3, machine: {cpu: 4, memory: 16Gi, image: debian-12}}
            - {name: metal, nodes: {matchLabels: {pool: \(site)-metal}}}

        """
    }
}
