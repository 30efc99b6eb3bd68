import ArgumentParser
import Foundation

/// Reads a secret from a file (the Kubernetes Secret mount pattern). The contents are
/// never printed: errors name the file and the problem only.
enum SecretFile {
    static func read(_ path: String, purpose: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("\(path): cannot read the \(purpose) file; check the path and its permissions")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw ValidationError("\(path): the \(purpose) file is empty; put the \(purpose) in it") }
        return text
    }
}
