/// Durations written as Go and Flux write them: `300ms`, `30s`, `1m`, `5m`, `1h30m`.
public enum DurationText {
    private static let units: [(suffix: String, unit: Duration)] = [
        ("ms", .milliseconds(1)), ("s", .seconds(1)), ("m", .seconds(60)), ("h", .seconds(3600)),
    ]

    /// Parses a sequence of whole numbers with units (`ms`, `s`, `m`, `h`); nil when it is not one.
    public static func parse(_ text: String) -> Duration? {
        var rest = Substring(text)
        var total = Duration.zero
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let value = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            // Longest suffix first, so `ms` is not read as `m` followed by garbage.
            guard let match = units.sorted(by: { $0.suffix.count > $1.suffix.count }).first(where: { rest.hasPrefix($0.suffix) }) else { return nil }
            rest = rest.dropFirst(match.suffix.count)
            total += match.unit * value
        }
        return total
    }

    /// Formats a duration the way `parse` reads it: `1h30m`, `5m`, `45s`, `250ms`.
    public static func format(_ duration: Duration) -> String {
        var milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        guard milliseconds > 0 else { return "0s" }
        var text = ""
        for (suffix, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] as [(String, Int64)] where milliseconds >= size {
            text += "\(milliseconds / size)\(suffix)"
            milliseconds %= size
        }
        return text
    }
}
