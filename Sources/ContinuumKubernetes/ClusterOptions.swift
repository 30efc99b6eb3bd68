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

    /// How the clusters' API certificates are checked: against the CA Continuum generated
    /// for each cluster (the default), or not at all by an operator's explicit choice.
    public var apiVerification: ClusterAPIVerification = .pinned
    /// Where a warning goes (skipped verification): standard error by default.
    public var warn: @Sendable (_ message: String) -> Void = { message in
        FileHandle.standardError.write(Data("continuum: warning: \(message)\n".utf8))
    }

    /// The defaults.
    public init() {}
}
