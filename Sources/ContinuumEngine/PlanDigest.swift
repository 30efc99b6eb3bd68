public import ContinuumPlanner
import ContinuumSpec
import Crypto
import Foundation

/// A plan's fingerprint for review: the SHA-256 of the canonical JSON (sorted keys, no
/// spaces) of what it would change — resource and provider changes, held resources,
/// orphans — with the state's serial and lineage it was made against and the Git tree it
/// was made from. The same tree planned against the same state gives the same digest; a
/// drifted world, a newer state or another tree gives another. Steps are left out: they
/// follow from the changes.
public struct PlanDigest: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `sha256:` and 64 lowercase hexadecimal digits.
    public var value: String

    /// The digest of `plan` made from the Git tree `tree`.
    public init(_ plan: Plan, tree: String) {
        let input = Input(
            tree: tree, stateSerial: plan.stateSerial, stateLineage: plan.stateLineage, changes: plan.changes,
            providerChanges: plan.providerChanges, held: plan.held, orphans: plan.orphans)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let bytes = (try? encoder.encode(input)) ?? Data()
        value = "sha256:" + SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    public var description: String { value }

    /// What the digest covers, in one canonical document.
    private struct Input: Encodable {
        var tree: String
        var stateSerial: Int64
        var stateLineage: String?
        var changes: [ResourceChange]
        var providerChanges: [ResourceChange]
        var held: [HeldResource]
        var orphans: [ResourceID]
    }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
