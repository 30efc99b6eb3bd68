import Foundation
import Yams

/// Reads the documents of one YAML file into `YAMLNode` trees, within `LoaderLimits`.
///
/// Bytes are checked for UTF-8 first (the error names the first bad byte's line and
/// column). libyaml then parses (it refuses nesting deeper than 1,000 on its own), and the
/// conversion counts every node it visits, aliases included, so expansion stays bounded.
public struct YAMLDocumentReader: Sendable {
    /// The limits applied.
    public var limits: LoaderLimits

    /// Creates a reader.
    public init(limits: LoaderLimits = .default) {
        self.limits = limits
    }

    /// The documents of `bytes` (empty and comment-only documents are left out), or the
    /// diagnostics that say why the file cannot be read.
    public func documents(of bytes: [UInt8], file: String) -> Result<[YAMLNode], DiagnosticsError> {
        if bytes.count > limits.maximumFileSize {
            return .failure(DiagnosticsError([Diagnostic(at: SourceLocation(file: file, line: 1, column: 1),
                "file is \(bytes.count) bytes, over the limit of \(limits.maximumFileSize) bytes; split it into smaller files")]))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let location = Self.firstInvalidUTF8(in: bytes, file: file)
            return .failure(DiagnosticsError([Diagnostic(at: location, "invalid UTF-8 at this position; spec files must be UTF-8 text")]))
        }
        do {
            let parser = try Parser(yaml: text, resolver: .basic)
            var documents: [YAMLNode] = []
            let maximumNodes = limits.maximumNodes(forFileOfSize: bytes.count)
            var budget = NodeBudget(maximum: maximumNodes, remaining: maximumNodes)
            while let root = try parser.nextRoot() {
                guard let converted = try convert(root, file: file, depth: 0, budget: &budget) else { continue }
                if converted.isNull { continue }
                documents.append(converted)
            }
            return .success(documents)
        } catch let error as ConversionError {
            return .failure(DiagnosticsError([Diagnostic(at: error.location, error.message)]))
        } catch let error as YamlError {
            return .failure(DiagnosticsError([Self.diagnostic(for: error, file: file, text: text)]))
        } catch {
            return .failure(DiagnosticsError([Diagnostic(at: SourceLocation(file: file, line: 1, column: 1), "cannot parse YAML: \(error)")]))
        }
    }

    private struct NodeBudget {
        var maximum: Int
        var remaining: Int
    }

    private struct ConversionError: Error {
        var location: SourceLocation
        var message: String
    }

    private func convert(_ node: Node, file: String, depth: Int, budget: inout NodeBudget) throws -> YAMLNode? {
        let location = SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        budget.remaining -= 1
        if budget.remaining < 0 {
            throw ConversionError(location: location,
                message: "document expands to more than \(budget.maximum) nodes (YAML aliases repeated too often?); aliases are followed, so keep anchors small")
        }
        if depth > limits.maximumDepth {
            throw ConversionError(location: location, message: "nesting deeper than \(limits.maximumDepth) levels; flatten the structure")
        }
        switch node {
        case .scalar(let scalar):
            let style: YAMLNode.ScalarStyle =
                switch scalar.style {
                case .plain, .any: .plain
                case .singleQuoted, .doubleQuoted: .quoted
                case .literal, .folded: .block
                }
            return YAMLNode(.scalar(scalar.string, style), at: location)
        case .sequence(let sequence):
            var items: [YAMLNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence {
                if let converted = try convert(item, file: file, depth: depth + 1, budget: &budget) { items.append(converted) }
            }
            return YAMLNode(.sequence(items), at: location)
        case .mapping(let mapping):
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            pairs.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                guard let convertedKey = try convert(key, file: file, depth: depth + 1, budget: &budget),
                    let convertedValue = try convert(value, file: file, depth: depth + 1, budget: &budget)
                else { continue }
                pairs.append((convertedKey, convertedValue))
            }
            return YAMLNode(.mapping(pairs), at: location)
        case .alias:
            return nil
        }
    }

    /// The location of the first byte that is not valid UTF-8.
    static func firstInvalidUTF8(in bytes: [UInt8], file: String) -> SourceLocation {
        var line = 1
        var column = 1
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length: Int
            switch byte {
            case 0x00...0x7f: length = 1
            case 0xc2...0xdf: length = 2
            case 0xe0...0xef: length = 3
            case 0xf0...0xf4: length = 4
            default: return SourceLocation(file: file, line: line, column: column)
            }
            guard index + length <= bytes.count,
                String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil
            else { return SourceLocation(file: file, line: line, column: column) }
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else {
                column += 1
            }
            index += length
        }
        return SourceLocation(file: file, line: line, column: column)
    }

    /// Where a duplicated key is written the second time: the next line at or after the
    /// mapping's mark that starts with the key at the mapping's column.
    static func secondOccurrence(of key: String, after mark: Mark, in text: String, file: String) -> SourceLocation? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var seen = 0
        for index in max(0, mark.line - 1)..<lines.count {
            let line = lines[index]
            let indent = line.prefix { $0 == " " }.count
            let rest = line.dropFirst(indent)
            guard indent + 1 == mark.column, rest.hasPrefix(key) else { continue }
            let after = rest.dropFirst(key.count).drop { $0 == " " }
            guard after.hasPrefix(":") else { continue }
            seen += 1
            if seen == 2 { return SourceLocation(file: file, line: index + 1, column: indent + 1) }
        }
        return nil
    }

    static func diagnostic(for error: YamlError, file: String, text: String) -> Diagnostic {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        let start = SourceLocation(file: file, line: 1, column: 1)
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " \($0.text)" } ?? ""
            var message = "invalid YAML: \(problem)\(detail)"
            if problem.contains("Maximum nesting level") {
                message = "invalid YAML: nesting too deep; flatten the structure"
            } else if problem.contains("undefined alias") {
                message = "invalid YAML: alias to an undefined anchor; define the anchor (&name) before using it (*name)"
            }
            return Diagnostic(at: at(mark), message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let location = secondOccurrence(of: key, after: context.mark, in: text, file: file) ?? at(context.mark)
            return Diagnostic(at: location, "duplicate key '\(key)'; each key may appear once in a mapping")
        case .reader(let problem, _, _, _):
            return Diagnostic(at: start, "cannot read YAML: \(problem)")
        default:
            return Diagnostic(at: start, "cannot parse YAML: \(error)")
        }
    }
}
