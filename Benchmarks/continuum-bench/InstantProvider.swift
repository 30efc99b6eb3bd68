import ContinuumEngine
import ContinuumProvider
import ContinuumSpec
import Synchronization

/// A provider that answers every call at once from memory, serving the `sim` type in the
/// executor benchmark: what is left of an apply's time is the executor's own (scheduling,
/// journal, records, events), its ceiling. Only for measuring; nothing else uses it.
struct InstantProviderFactory: ProviderFactory {
    var type: ProviderType { .sim }

    func problems(in spec: ProviderSpec, connection: Connection?) -> [String] { [] }

    func make(name: String, spec: ProviderSpec, connection: Connection?, context: ProviderContext) -> any Provider {
        InstantProvider(name: name)
    }
}

/// Objects kept in a dictionary; a call takes a lock and returns.
final class InstantProvider: Provider {
    let name: String
    private let objects = Mutex<[String: ObservedObject]>([:])

    init(name: String) {
        self.name = name
    }

    func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject? {
        objects.withLock { $0[providerID] }
    }

    func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject? {
        objects.withLock { $0[idempotencyKey] }
    }

    func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        let object = ObservedObject(providerID: request.idempotencyKey, spec: request.spec, outputs: ["id": .string(request.idempotencyKey)], revision: "1")
        objects.withLock { $0[request.idempotencyKey] = object }
        return object
    }

    func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        let object = ObservedObject(providerID: request.providerID ?? request.idempotencyKey, spec: request.spec, outputs: ["id": .string(request.providerID ?? "")])
        objects.withLock { $0[object.providerID] = object }
        return object
    }

    func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError) {
        _ = objects.withLock { $0.removeValue(forKey: providerID) }
    }

    func estimatedDuration(of operation: ProviderOperation, kind: ResourceKind) -> Duration { .zero }
}
