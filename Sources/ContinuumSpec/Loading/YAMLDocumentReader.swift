import Foundation

/// Reads the documents of one YAML file into `YAMLNode` trees, within `LoaderLimits`.
///
/// Bytes are checked for UTF-8 first (the error names the first bad byte's line and
/// column). libyaml then parses (it refuses nesting deeper than 1,000 on its own), and
/// `YAMLEventReader` builds the nodes from its events in one pass, counting every node,
/// aliases' expansions included, so expansion stays bounded.
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
        let reader = YAMLEventReader(file: file, text: text, limits: limits, maximumNodes: limits.maximumNodes(forFileOfSize: bytes.count))
        do throws(YAMLEventReader.Failure) {
            return .success(try reader.documents(of: bytes))
        } catch {
            return .failure(DiagnosticsError([Diagnostic(at: error.location, error.message)]))
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
    /// key's first place that starts with the key at its column.
    static func secondOccurrence(of key: String, after first: SourceLocation, in text: String) -> SourceLocation? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var seen = 0
        for index in max(0, first.line - 1)..<lines.count {
            let line = lines[index]
            let indent = line.prefix { $0 == " " }.count
            let rest = line.dropFirst(indent)
            guard indent + 1 == first.column, rest.hasPrefix(key) else { continue }
            let after = rest.dropFirst(key.count).drop { $0 == " " }
            guard after.hasPrefix(":") else { continue }
            seen += 1
            if seen == 2 { return SourceLocation(file: first.file, line: index + 1, column: indent + 1) }
        }
        return nil
    }
}
