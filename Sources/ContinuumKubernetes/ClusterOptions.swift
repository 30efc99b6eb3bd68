public import Foundation

/// How a `ClusterMachineProvider` waits for and talks to its clusters.
public struct ClusterOptions: Sendable {
    /// How long a new machine may take to become a Ready node.
    public var nodeReadyTimeout: Duration = .seconds(900)
    /// How long a cluster may take to answer `/readyz` with every machine Ready.
    public var clusterReadyTimeout: Duration = .seconds(900)
    /// How long draining a node may take before its machine's removal fails.
    public var drainTimeout: Duration = .seconds(300)
    /// How often readiness and drains are polled.
    public var pollInterval: Duration = .seconds(5)
    /// The API server of the control-plane machine at this address: `https://ADDRESS:6443`.
    /// Tests point it at a stand-in.
    public var endpoint: @Sendable (_ address: String) -> URL? = { URL(string: ClusterMember.apiEndpoint(address: $0)) }

    /// The defaults.
    public init() {}
}
