import ArgumentParser
import Foundation

/// `--listen host:port` (or `--webhook-listen`), or `:port` for every interface.
struct ListenAddress: Sendable, Equatable {
    var host: String
    var port: Int

    /// Parses `text`; errors name `option`.
    init(_ text: String, option: String = "--listen") throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("\(option) '\(text)' is not host:port, for example 127.0.0.1:8080 or :8080")
        }
        let host = String(text[..<colon]).trimmingCharacters(in: ["[", "]"])
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
}
