import ContinuumProvider
import ContinuumSpec
import Foundation

/// The conversation with one provider program: starts it and shakes hands on first use,
/// matches JSON-RPC responses to requests by id (calls may overlap), times calls out, and
/// after a crash, garbage or a timeout ends the process so the next call starts a new one.
actor ExternalSession {
    /// Continuum's protocol version; the program must answer `initialize` with the same.
    static let protocolVersion = 1

    let name: String
    let config: ExternalProviderConfig
    private var process: ProviderProcess?
    private var starting: Task<Result<Handshake, ProviderError>, Never>?
    private var nextID = 1
    /// Counts `shutdown()`s: a start that was under way when one came ends its program.
    private var shutdowns = 0
    /// Programs being started now (for tests of what happens meanwhile).
    private(set) var startsUnderWay = 0
    private var pending: [Int: CheckedContinuation<Result<Data?, ProviderError>, Never>] = [:]

    init(name: String, config: ExternalProviderConfig) {
        self.name = name
        self.config = config
    }

    /// Calls `method` with `params` (a JSON object), starting the program first if it does
    /// not run; the result is the JSON of the answer's `result`, nil for null.
    func call(_ method: String, _ params: Data) async -> Result<Data?, ProviderError> {
        switch await handshake() {
        case .failure(let error): return .failure(error)
        case .success: return await send(method, params)
        }
    }

    /// The program's answer to `initialize`, starting it when needed.
    func handshake() async -> Result<Handshake, ProviderError> {
        if let starting { return await starting.value }
        let task = Task { await self.start() }
        starting = task
        let result = await task.value
        if case .failure = result { starting = nil }
        return result
    }

    /// Ends the program.
    func shutdown() {
        shutdowns += 1
        end(process, because: "the provider was shut down")
    }

    private func start() async -> Result<Handshake, ProviderError> {
        let started: ProviderProcess
        let generation = shutdowns
        startsUnderWay += 1
        defer { startsUnderWay -= 1 }
        do {
            started = try await ProviderProcess(command: config.command, environment: config.environment, sha256: config.sha256)
        } catch let mismatch as ProgramDigest.Mismatch {
            return .failure(failure(.invalidRequest, mismatch.description,
                remedy: "install the program the operator reviewed, or update the connection's program.sha256"))
        } catch let writable as ProgramDigest.Writable {
            return .failure(failure(.invalidRequest, writable.description, remedy: "chmod go-w \(writable.program), and check who could have changed it"))
        } catch {
            return .failure(failure(.unavailable, "cannot start \(config.command.first ?? "the program"): \(error.localizedDescription)",
                remedy: "check the connection's program.path (an absolute path) and that the program is installed"))
        }
        // A shutdown while the program was being started (the actor is reentrant at the
        // await above) must not leave it running.
        guard generation == shutdowns else {
            started.terminate()
            return .failure(failure(.unavailable, "the provider was shut down while its program started", remedy: "call again to start it anew"))
        }
        process = started
        Task { [weak self] in
            for await line in started.lines { await self?.received(line, from: started) }
            await self?.end(started, because: "the provider program exited")
        }
        let params = InitializeParams(protocolVersion: Self.protocolVersion, provider: name, config: PlainValue(config.settings))
        let encoded = (try? JSONEncoder().encode(params)) ?? Data("{}".utf8)
        switch await send("initialize", encoded) {
        case .failure(let error):
            end(started, because: "the handshake failed")
            return .failure(error)
        case .success(let result):
            guard let result, let handshake = try? JSONDecoder().decode(Handshake.self, from: result), let version = handshake.protocolVersion else {
                end(started, because: "the handshake failed")
                return .failure(failure(.invalidRequest, "answered initialize without a protocolVersion", remedy: "see docs/external-providers.md"))
            }
            guard version == Self.protocolVersion else {
                end(started, because: "the protocol version differs")
                return .failure(failure(.invalidRequest, "speaks protocol version \(version); this Continuum speaks \(Self.protocolVersion)",
                    remedy: "upgrade the provider or Continuum so that they agree"))
            }
            return .success(handshake)
        }
    }

    private func send(_ method: String, _ params: Data) async -> Result<Data?, ProviderError> {
        guard let process else { return .failure(failure(.unavailable, "the provider program is not running", remedy: "the next call starts it again")) }
        let id = nextID
        nextID += 1
        let line = Data(#"{"id":\#(id),"jsonrpc":"2.0","method":"\#(method)","params":"#.utf8) + params + Data("}".utf8)
        let timeout = config.timeout
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled { await self?.timeOut(id, method: method, process: process) }
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            pending[id] = continuation
            do {
                try process.send(Array(line))
            } catch {
                pending.removeValue(forKey: id)?.resume(returning: .failure(exited(process)))
            }
        }
    }

    private func received(_ line: String, from source: ProviderProcess) {
        guard source === process else { return }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed]) as? [String: Any],
            object["jsonrpc"] as? String == "2.0", let id = object["id"] as? Int
        else {
            let shown = line.count > 200 ? String(line.prefix(200)) + "…" : line
            fail(source, failure(.unavailable, "wrote something that is not a JSON-RPC 2.0 response to standard output: \(shown)",
                remedy: "a provider writes only responses on standard output, one JSON object a line, and logs to standard error; it is restarted on the next call"))
            return
        }
        guard let continuation = pending.removeValue(forKey: id) else { return }
        if let error = object["error"] as? [String: Any] {
            let data = error["data"] as? [String: Any]
            let code = (data?["kind"] as? String).flatMap(ProviderError.Code.init(rawValue:)) ?? .invalidRequest
            continuation.resume(returning: .failure(ProviderError(code, provider: name, message: error["message"] as? String ?? "an error without a message",
                remedy: data?["remedy"] as? String ?? "see the provider's log")))
        } else if let result = object["result"], !(result is NSNull) {
            continuation.resume(returning: .success(try? JSONSerialization.data(withJSONObject: result, options: [.fragmentsAllowed])))
        } else {
            continuation.resume(returning: .success(nil))
        }
    }

    private func timeOut(_ id: Int, method: String, process: ProviderProcess) {
        guard pending[id] != nil else { return }
        fail(process, failure(.transient, "did not answer \(method) within \(DurationText.format(config.timeout))",
            remedy: "the program was stopped and is restarted on the next call; raise spec.config.timeout if calls are slow"))
    }

    /// Fails every pending call with `error` and ends the process.
    private func fail(_ source: ProviderProcess, _ error: ProviderError) {
        guard source === process else { return }
        let waiting = pending
        pending = [:]
        process = nil
        starting = nil
        source.terminate()
        for continuation in waiting.values { continuation.resume(returning: .failure(error)) }
    }

    private func end(_ source: ProviderProcess?, because reason: String) {
        guard let source, source === process else { return }
        fail(source, exited(source))
    }

    private func exited(_ source: ProviderProcess) -> ProviderError {
        let status = source.exitStatus.map { " with status \($0)" } ?? ""
        let log = source.recentErrors.suffix(5).joined(separator: " | ")
        return failure(.unavailable, "the provider program exited\(status)" + (log.isEmpty ? "" : "; its last words: \(log)"),
            remedy: "it is restarted on the next call; see its standard error")
    }

    private func failure(_ code: ProviderError.Code, _ message: String, remedy: String) -> ProviderError {
        ProviderError(code, provider: name, message: message, remedy: remedy)
    }
}

/// The `initialize` request's parameters.
struct InitializeParams: Encodable {
    var protocolVersion: Int
    var provider: String
    var config: PlainValue
}

/// What a provider program said of itself in `initialize`.
struct Handshake: Sendable, Decodable {
    /// The protocol version it speaks.
    var protocolVersion: Int?
    /// Its own name, for messages.
    var name: String?
    /// The kinds it manages; calls for other kinds are refused before they are sent.
    var kinds: [String]?
}
