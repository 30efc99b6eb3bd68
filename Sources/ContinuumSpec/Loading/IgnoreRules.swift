/// The patterns of a `.continuumignore` file, in gitignore syntax: `#` comments, `!`
/// negation, a trailing `/` for directories only, a leading or inner `/` anchoring to
/// the root, and `*`, `?`, `[...]` and `**` wildcards. The last matching pattern wins.
public struct IgnoreRules: Sendable {
    struct Rule: Sendable {
        var segments: [String]
        var negated: Bool
        var directoryOnly: Bool
        var anchored: Bool
    }

    private var rules: [Rule] = []

    /// No rules: nothing is ignored.
    public init() {}

    /// Parses the text of an ignore file.
    public init(parsing text: String) {
        for rawLine in text.split(whereSeparator: \.isNewline) {
            var line = String(rawLine)
            while line.hasSuffix(" ") && !line.hasSuffix("\\ ") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            var rule = Rule(segments: [], negated: false, directoryOnly: false, anchored: false)
            if line.hasPrefix("!") {
                rule.negated = true
                line.removeFirst()
            } else if line.hasPrefix("\\") {
                line.removeFirst()
            }
            if line.hasSuffix("/") {
                rule.directoryOnly = true
                line.removeLast()
            }
            let leadingSlash = line.hasPrefix("/")
            if leadingSlash { line.removeFirst() }
            rule.anchored = leadingSlash || line.contains("/")
            rule.segments = line.split(separator: "/").map(String.init)
            if !rule.segments.isEmpty { rules.append(rule) }
        }
    }

    /// Whether `path` (relative to the root, `/`-separated) is ignored.
    public func isIgnored(_ path: String, isDirectory: Bool) -> Bool {
        let components = path.split(separator: "/").map(String.init)
        var ignored = false
        for rule in rules where !(rule.directoryOnly && !isDirectory) {
            let matches: Bool
            if rule.anchored {
                matches = Self.match(rule.segments[...], components[...])
            } else {
                matches = components.last.map { Self.glob(Array(rule.segments[0].unicodeScalars)[...], Array($0.unicodeScalars)[...]) } ?? false
            }
            if matches { ignored = !rule.negated }
        }
        return ignored
    }

    static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            for start in path.startIndex...path.endIndex where match(rest, path[start...]) { return true }
            return false
        }
        guard let component = path.first, glob(Array(first.unicodeScalars)[...], Array(component.unicodeScalars)[...]) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// Matches one path component against a glob (`*`, `?`, `[abc]`, `[!a-z]`), iteratively.
    static func glob(_ pattern: ArraySlice<Unicode.Scalar>, _ text: ArraySlice<Unicode.Scalar>) -> Bool {
        var p = pattern.startIndex
        var t = text.startIndex
        var star: (pattern: Int, text: Int)?
        while t < text.endIndex {
            if p < pattern.endIndex {
                let c = pattern[p]
                if c == "*" {
                    star = (p, t)
                    p += 1
                    continue
                }
                if c == "?" {
                    p += 1
                    t += 1
                    continue
                }
                if c == "[", let (matched, next) = matchClass(pattern, from: p, scalar: text[t]) {
                    if matched {
                        p = next
                        t += 1
                        continue
                    }
                } else if c == "\\", p + 1 < pattern.endIndex, pattern[p + 1] == text[t] {
                    p += 2
                    t += 1
                    continue
                } else if c == text[t] {
                    p += 1
                    t += 1
                    continue
                }
            }
            guard let backtrack = star else { return false }
            p = backtrack.pattern + 1
            t = backtrack.text + 1
            star = (backtrack.pattern, backtrack.text + 1)
        }
        while p < pattern.endIndex, pattern[p] == "*" { p += 1 }
        return p == pattern.endIndex
    }

    private static func matchClass(_ pattern: ArraySlice<Unicode.Scalar>, from start: Int, scalar: Unicode.Scalar) -> (Bool, Int)? {
        var index = start + 1
        var negated = false
        if index < pattern.endIndex, pattern[index] == "!" || pattern[index] == "^" {
            negated = true
            index += 1
        }
        var matched = false
        var first = true
        while index < pattern.endIndex, pattern[index] != "]" || first {
            first = false
            let low = pattern[index]
            if index + 2 < pattern.endIndex, pattern[index + 1] == "-", pattern[index + 2] != "]" {
                if (low.value...pattern[index + 2].value).contains(scalar.value) { matched = true }
                index += 3
            } else {
                if low == scalar { matched = true }
                index += 1
            }
        }
        guard index < pattern.endIndex else { return nil }
        return (matched != negated, index + 1)
    }
}
