import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Talks to a running controller's HTTP API for `reconcile` and `status`.
struct ControllerClient {
    let server: String
    /// The bearer token sent, read from `--token-file`.
    var token: String?

    /// A client for `server`, with the token in `tokenFile` when given.
    init(server: String, tokenFile: String?) throws {
        self.server = server
        self.token = try tokenFile.map { try SecretFile.read($0, purpose: "API token") }
    }

    /// Sends a request; a connection failure or an error status prints why and exits 1.
    func send(_ method: String, _ path: String, json body: Data? = nil) async throws -> Data {
        guard let url = URL(string: server.hasSuffix("/") ? String(server.dropLast()) + path : server + path), url.scheme?.hasPrefix("http") == true else {
            throw ValidationError("--server '\(server)' is not an http(s) URL, for example http://127.0.0.1:8080")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard (200..<300).contains(status) else {
                Terminal.error("error: \(method) \(url.absoluteString) answered \(status): \(Self.problem(in: data))\n")
                throw ExitCode.failure
            }
            return data
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Terminal.error("error: cannot reach the controller at \(server): \(error.localizedDescription); check --server and that the controller runs\n")
            throw ExitCode.failure
        }
    }

    /// An error answer as `error; remedy` when it is the controller's JSON (each of its
    /// `errors` on a line of its own), else its text.
    private static func problem(in data: Data) -> String {
        if let body = try? JSONDecoder().decode(ErrorList.self, from: data) {
            return ([body.error] + body.errors).joined(separator: "\n")
        }
        if let body = try? JSONDecoder().decode([String: String].self, from: data), let error = body["error"] {
            return body["remedy"].map { "\(error); \($0)" } ?? error
        }
        return String(decoding: data.prefix(2000), as: UTF8.self)
    }

    /// A 422 answer: every error with its location.
    private struct ErrorList: Decodable {
        var error: String
        var errors: [String]
    }
}
