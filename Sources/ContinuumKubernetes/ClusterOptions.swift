public import Foundation

/// How a `ClusterMachineProvider` waits for and talks to its clusters.
public struct ClusterOptions: Sendable {
    /// How long a new machine may take to become a Ready node. Its create (the machine's
    /// own create, then this wait) is one provider call, bounded by the apply's attempt
    /// timeout (`ApplyOptions.attemptTimeout`, 600 s by default), so this stays well below
    /// it: 420 s, leaving three minutes for the machine's create. A create cut by the attempt
    /// timeout is cancelled; its seed is removed all the same, and the retry provisions the
    /// machine again. Raise both together.
    public var nodeReadyTimeout: Duration = .seconds(420)
    /// How long a cluster may take to answer `/readyz` with every machine Ready: below the
    /// attempt timeout too (its machines are Ready before it is created or updated).
    public var clusterReadyTimeout: Duration = .seconds(540)
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
