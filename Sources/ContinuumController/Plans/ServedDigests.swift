public import ContinuumEngine
public import Foundation

/// The plans served for one commit (`GET /api/v1/plans/{commit}`): its tree and the
/// digests, newest last; and the digest of the last plan the controller executed for it.
public struct ServedDigests: Sendable, Hashable, Codable {
    /// The commit's tree.
    public var tree: String
    /// The digests of the plans served, newest last.
    public var digests: [PlanDigest]
    /// When the last one was served.
    public var time = Date()
    /// The digest of the last plan executed for the commit (with changes), if one was.
    public var executed: PlanDigest?
}
