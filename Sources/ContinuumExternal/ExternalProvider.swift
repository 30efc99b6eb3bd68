public import ContinuumProvider
public import ContinuumSpec
import Foundation

/// A provider implemented by another program (`type: external`), spoken to with JSON-RPC
/// 2.0 over its standard input and output, one JSON object a line: the protocol in
/// docs/external-providers.md. The program is started on first use and restarted after it
/// crashes, writes garbage or times out; those calls fail with a retryable error.
public final class ExternalProvider: Provider {
    /// The `Provider` resource's name.
    public let name: String
    private let session: ExternalSession

    /// Creates a provider; the program starts on the first call.
    public init(name: String, config: ExternalProviderConfig) {
        self.name = name
        self.session = ExternalSession(name: name, config: config)
    }

    deinit {
        let session = self.session
        Task { await session.shutdown() }
    }

    /// Ends the program (it is started again by the next call).
    public func shutdown() async {
        await session.shutdown()
    }

    public func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject? {
        try await object(try await call("read", kind: kind, ["kind": kind.rawValue, "providerID": providerID]))
    }

    public func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject? {
        try await object(try await call("lookup", kind: id.kind, ["id": id.description, "kind": id.kind.rawValue, "name": id.name, "idempotencyKey": idempotencyKey]))
    }

    public func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        try await required(try await call("create", kind: request.id.kind, WireRequest(request)), "create")
    }

    public func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        try await required(try await call("update", kind: request.id.kind, WireRequest(request)), "update")
    }

    public func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError) {
        _ = try await call("delete", kind: kind, ["kind": kind.rawValue, "providerID": providerID, "idempotencyKey": idempotencyKey])
    }

    private func call(_ method: String, kind: ResourceKind, _ params: some Encodable) async throws(ProviderError) -> Data? {
        let handshake = try await session.handshake().get()
        if let kinds = handshake.kinds, !kinds.contains(kind.rawValue) {
            throw ProviderError(.invalidRequest, provider: name, message: "\(handshake.name ?? "the provider program") does not manage \(kind.rawValue) (it manages \(kinds.joined(separator: ", ")))",
                remedy: "put \(kind.rawValue) resources on a provider that manages them")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(params) else {
            throw ProviderError(.invalidRequest, provider: name, message: "cannot encode the \(method) request", remedy: "report this")
        }
        return try await session.call(method, data).get()
    }

    private func object(_ data: Data?) async throws(ProviderError) -> ObservedObject? {
        guard let data else { return nil }
        do {
            return try JSONDecoder().decode(ObservedObject.self, from: data)
        } catch {
            throw ProviderError(.invalidRequest, provider: name, message: "answered with an object Continuum cannot read: \(error)",
                remedy: "an object is {providerID, spec, outputs} with spec and outputs as typed values (see docs/external-providers.md)")
        }
    }

    private func required(_ data: Data?, _ method: String) async throws(ProviderError) -> ObservedObject {
        guard let object = try await object(data) else {
            throw ProviderError(.invalidRequest, provider: name, message: "answered \(method) with null", remedy: "\(method) must answer with the object")
        }
        return object
    }
}

/// A create or update request as sent to the program.
struct WireRequest: Encodable {
    var id: String
    var kind: String
    var name: String
    var spec: FieldValue
    var idempotencyKey: String
    var providerID: String?
    var dependencies: [String]
    var labels: [String: String]

    init(_ request: ProviderRequest) {
        id = request.id.description
        kind = request.id.kind.rawValue
        name = request.id.name
        spec = request.spec
        idempotencyKey = request.idempotencyKey
        providerID = request.providerID
        dependencies = request.dependencies.map(\.description)
        labels = request.labels
    }
}
