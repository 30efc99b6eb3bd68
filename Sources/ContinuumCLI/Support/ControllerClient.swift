import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Talks to a running controller's HTTP API for `reconcile` and `status`.
struct ControllerClient {
    let server: String

    /// Sends a request; a connection failure or an error status prints why and exits 1.
    func send(_ method: String, _ path: String) async throws -> Data {
        guard let url = URL(string: server.hasSuffix("/") ? String(server.dropLast()) + path : server + path), url.scheme?.hasPrefix("http") == true else {
            throw ValidationError("--server '\(server)' is not an http(s) URL, for example http://127.0.0.1:8080")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard (200..<300).contains(status) else {
                Terminal.error("error: \(method) \(url.absoluteString) answered \(status): \(String(decoding: data.prefix(2000), as: UTF8.self))\n")
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
}
