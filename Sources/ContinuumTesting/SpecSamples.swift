/// YAML documents of every kind, for tests: each function returns one document whose
/// fields can be overridden by passing replacement `spec` lines.
public enum SpecSamples {
    /// A `sim` provider.
    public static func provider(_ name: String = "de-fra-cloud") -> String {
        """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata:
          name: \(name)
        spec:
          type: sim
          site: de-fra
        """
    }

    /// A network.
    public static func network(_ name: String = "fra-edge", provider: String = "de-fra-cloud", cidr: String = "10.20.0.0/24") -> String {
        """
        apiVersion: continuum.dev/v1
        kind: Network
        metadata:
          name: \(name)
        spec:
          provider: \(provider)
          cidr: \(cidr)
        """
    }

    /// A virtual machine; `extra` lines are appended to its spec.
    public static func virtualMachine(
        _ name: String = "web-1", provider: String = "de-fra-cloud", cpu: String = "2", memory: String = "4Gi",
        image: String = "debian-12", networks: [String] = ["Network/fra-edge"], extra: [String] = [], lifecycle: [String] = [],
        dependsOn: [String] = []
    ) -> String {
        var lines = [
            "apiVersion: continuum.dev/v1",
            "kind: VirtualMachine",
            "metadata:",
            "  name: \(name)",
        ]
        if !dependsOn.isEmpty { lines.append("  dependsOn: [\(dependsOn.joined(separator: ", "))]") }
        if !lifecycle.isEmpty { lines += ["lifecycle:"] + lifecycle.map { "  \($0)" } }
        lines += [
            "spec:",
            "  provider: \(provider)",
            "  cpu: \(cpu)",
            "  memory: \(memory)",
            "  image: \(image)",
        ]
        if !networks.isEmpty { lines.append("  networks: [\(networks.joined(separator: ", "))]") }
        lines += extra.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }

    /// A bare-metal node with `labels`, opted into the cluster `cluster` (none when nil).
    public static func bareMetalNode(_ name: String = "metal-1", provider: String = "de-fra-cloud", labels: String = "{pool: metal}", image: String = "https://images.example/debian-12.iso",
                                     cluster: String? = "k8s") -> String {
        """
        apiVersion: continuum.dev/v1
        kind: BareMetalNode
        metadata:
          name: \(name)
          labels: \(labels)
        spec:
          provider: \(provider)
          systemId: /redfish/v1/Systems/\(name)
          image: \(image)
        """ + (cluster.map { "\n  cluster: \($0)" } ?? "")
    }

    /// A Kubernetes cluster with one machine pool and one bare-metal pool.
    public static func kubernetesCluster(_ name: String = "k8s", provider: String = "de-fra-cloud", version: String = "\"1.31\"", controlPlaneReplicas: Int = 3, generalReplicas: Int = 2) -> String {
        """
        apiVersion: continuum.dev/v1
        kind: KubernetesCluster
        metadata:
          name: \(name)
        spec:
          provider: \(provider)
          version: \(version)
          network: Network/fra-edge
          controlPlane:
            replicas: \(controlPlaneReplicas)
            machine: {cpu: 2, memory: 4Gi, image: debian-12}
          nodePools:
            - name: general
              replicas: \(generalReplicas)
              machine: {cpu: 4, memory: 16Gi, image: debian-12}
            - name: metal
              nodes: {matchLabels: {pool: metal}}
        """
    }

    /// Documents joined into one multi-document file.
    public static func file(_ documents: String...) -> String {
        documents.joined(separator: "\n---\n") + "\n"
    }
}
