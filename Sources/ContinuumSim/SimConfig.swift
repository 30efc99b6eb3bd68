import Foundation
public import ContinuumSpec
public import ContinuumProvider

/// The `config` of a `type: sim` provider: `latency: "50ms"` or `"20ms..300ms"`,
/// `kindLatency: {BareMetalNode: "2s..4s"}` (the create, update and delete latency of one
/// kind, where it differs), `readyAfter: {KubernetesCluster: "30s"}` (how long a created or
/// updated object of a kind takes to become ready, which the call waits for, as a real
/// provider waits for a cluster or a node), `failureRate: 0.05`, `seed: 42`. Unknown keys
/// are errors.
public struct SimConfig: Sendable, Hashable {
    /// Each call sleeps a seeded random time in this range.
    public var latency: ClosedRange<Duration>
    /// The range of the mutating calls on objects of these kinds, instead of `latency`.
    public var kindLatency: [ResourceKind: ClosedRange<Duration>]
    /// How long after a create or update an object of these kinds becomes ready; the call
    /// waits for it (a wait a newer commit cuts short, see `WaitCancellation`).
    public var readyAfter: [ResourceKind: Duration]
    /// The fraction of mutating calls that fail with a retryable error, 0...1.
    public var failureRate: Double
    /// The seed of the random choices.
    public var seed: UInt64

    /// The keys `config` accepts.
    public static let keys = ["latency", "kindLatency", "readyAfter", "failureRate", "seed"]

    /// Creates a configuration.
    public init(latency: ClosedRange<Duration> = .zero ... .zero, kindLatency: [ResourceKind: ClosedRange<Duration>] = [:], readyAfter: [ResourceKind: Duration] = [:],
        failureRate: Double = 0, seed: UInt64 = 0
    ) {
        self.latency = latency
        self.kindLatency = kindLatency
        self.readyAfter = readyAfter
        self.failureRate = failureRate
        self.seed = seed
    }

    /// Reads `config`, or says what is wrong with each field (`spec.config.latency: ...`).
    public static func parse(_ config: FieldValue) -> Result<SimConfig, ProviderConfigError> {
        var result = SimConfig()
        var problems: [String] = []
        guard case .map(let entries) = config else { return .failure(ProviderConfigError(problems: ["spec.config: expected a mapping"])) }
        for entry in entries {
            let text: String? = if case .string(let value) = entry.value { value } else { nil }
            switch entry.key {
            case "latency":
                guard let text, let range = parseLatency(text) else {
                    problems.append("spec.config.latency: expected a duration like \"50ms\" or a range like \"20ms..300ms\"")
                    continue
                }
                result.latency = range
            case "kindLatency":
                result.kindLatency = parseKinds(entry.value, "kindLatency", example: "{BareMetalNode: \"2s..4s\"}", expected: "a duration like \"2s\" or a range like \"2s..4s\"", problems: &problems) {
                    parseLatency($0)
                }
            case "readyAfter":
                result.readyAfter = parseKinds(entry.value, "readyAfter", example: "{KubernetesCluster: \"30s\"}", expected: "a duration like \"30s\"", problems: &problems) {
                    DurationText.parse($0)
                }
            case "failureRate":
                guard let text, let rate = Double(text), (0...1).contains(rate) else {
                    problems.append("spec.config.failureRate: expected a number from 0 to 1, such as 0.05")
                    continue
                }
                result.failureRate = rate
            case "seed":
                guard let text, let seed = UInt64(text) else {
                    problems.append("spec.config.seed: expected a whole number, such as 42")
                    continue
                }
                result.seed = seed
            default:
                problems.append("spec.config.\(entry.key): unknown sim setting\(NameSuggester.hint(for: entry.key, in: keys)); sim takes \(keys.joined(separator: ", "))")
            }
        }
        return problems.isEmpty ? .success(result) : .failure(ProviderConfigError(problems: problems))
    }

    /// Reads a mapping of kinds (other than `Provider`) to values `parse` reads from text.
    private static func parseKinds<Value>(
        _ value: FieldValue, _ key: String, example: String, expected: String, problems: inout [String], _ parse: (String) -> Value?
    ) -> [ResourceKind: Value] {
        guard case .map(let kinds) = value else {
            problems.append("spec.config.\(key): expected a mapping of kinds to values, such as \(example)")
            return [:]
        }
        var result: [ResourceKind: Value] = [:]
        for kind in kinds {
            guard let resourceKind = ResourceKind(rawValue: kind.key), resourceKind != .provider else {
                let names = ResourceKind.allCases.filter { $0 != .provider }.map(\.rawValue)
                problems.append("spec.config.\(key).\(kind.key): not a resource kind\(NameSuggester.hint(for: kind.key, in: names)); use one of \(names.joined(separator: ", "))")
                continue
            }
            guard case .string(let text) = kind.value, let parsed = parse(text) else {
                problems.append("spec.config.\(key).\(kind.key): expected \(expected)")
                continue
            }
            result[resourceKind] = parsed
        }
        return result
    }

    /// Parses `"50ms"`, `"2s"`, `"1m"` or a range `"20ms..300ms"`.
    static func parseLatency(_ text: String) -> ClosedRange<Duration>? {
        let bounds = text.components(separatedBy: "..")
        guard (1...2).contains(bounds.count), let low = DurationText.parse(bounds[0]), let high = DurationText.parse(bounds[bounds.count - 1]), low <= high else {
            return nil
        }
        return low...high
    }

    /// The latency range of a call on an object of `kind`: its kind's, for mutating calls.
    public func latency(of kind: ResourceKind?) -> ClosedRange<Duration> {
        kind.flatMap { kindLatency[$0] } ?? latency
    }
}
