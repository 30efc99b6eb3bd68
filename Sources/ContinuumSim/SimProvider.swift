public import ContinuumProvider
public import ContinuumSpec
import Foundation
import GRDB

/// A `type: sim` provider: one site of the simulated cloud. Each call sleeps a seeded
/// random latency; a `failureRate` fraction of mutating calls fail with a retryable error,
/// half of them before their effect and half after it (the reply was lost), which is
/// what idempotency keys are for.
public actor SimProvider: Provider {
    /// The provider's name (the `Provider` resource's name).
    public nonisolated let name: String
    /// Its configuration.
    public nonisolated let config: SimConfig
    private let world: SimWorld
    private let sleep: @Sendable (Duration) async throws -> Void
    private var attempts: [String: Int] = [:]

    /// Creates a provider over `world`; `sleep` waits out latencies (tests may pass a no-op).
    public init(name: String, config: SimConfig, world: SimWorld, sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) {
        self.name = name
        self.config = config
        self.world = world
        self.sleep = sleep
    }

    public func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject? {
        try await latency("read", providerID, kind: nil, attempt: 0)
        guard let object = try await wrap({ () throws(SimWorldError) in try await world.object(id: providerID) }), object.provider == name, object.resource.kind == kind else {
            return nil
        }
        return Self.observed(object)
    }

    /// The sim answers from its world in this process: nothing to time out.
    public nonisolated var isLocal: Bool { true }

    /// One listing call (with its latency) answers for every object of this site.
    public func revisions() async throws(ProviderError) -> [String: String]? {
        try await latency("list", name, kind: nil, attempt: 0)
        let provider = name
        return try await wrap { () throws(SimWorldError) in try await world.revisions(provider: provider) }.mapValues { String($0) }
    }

    public func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject? {
        try await latency("lookup", idempotencyKey, kind: nil, attempt: 0)
        guard let object = try await wrap({ () throws(SimWorldError) in try await world.object(for: id, idempotencyKey: idempotencyKey) }), object.provider == name else {
            return nil
        }
        return Self.observed(object)
    }

    public func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        let fault = try await begin("create", request.id.description, kind: request.id.kind)
        if fault == .before { throw injected("create", request.id) }
        let object: SimObject
        if let existing = try await wrap({ () throws(SimWorldError) in try await world.object(for: request.id, idempotencyKey: request.idempotencyKey) }) {
            object = existing
        } else {
            let provider = name
            let spec = request.spec
            let id = request.id
            let dependencies = request.dependencies
            object = try await wrap { () throws(SimWorldError) in
                try await world.insert(prefix: Self.prefix(id.kind), provider: provider, resource: id, idempotencyKey: request.idempotencyKey, spec: spec) { objectID, db in
                    try SimOutputs.outputs(
                        for: id, objectID: objectID, spec: spec, provider: provider, dependencies: dependencies,
                        allocate: { try SimOutputs.allocateAddress(spec: spec, provider: provider, in: db) }, previous: nil)
                }
            }
        }
        if fault == .after { throw injected("create", request.id) }
        try await waitUntilReady(request.id)
        return Self.observed(object)
    }

    public func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        let fault = try await begin("update", request.id.description, kind: request.id.kind)
        if fault == .before { throw injected("update", request.id) }
        guard let providerID = request.providerID,
            var object = try await wrap({ () throws(SimWorldError) in try await world.object(id: providerID) }), object.provider == name
        else {
            throw ProviderError(.notFound, provider: name, message: "\(request.id) (\(request.providerID ?? "no id")) does not exist", remedy: "refresh to plan a create instead")
        }
        object.spec = request.spec
        object.outputs = SimOutputs.outputs(
            for: request.id, objectID: object.id, spec: request.spec, provider: name, dependencies: request.dependencies, allocate: nil, previous: object.outputs)
        let changed = object
        let updated = try await wrap { () throws(SimWorldError) in try await world.replace(changed) }
        if fault == .after { throw injected("update", request.id) }
        try await waitUntilReady(request.id)
        return Self.observed(updated)
    }

    public func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError) {
        let fault = try await begin("delete", providerID, kind: kind)
        if fault == .before { throw injected("delete", ResourceID(kind, providerID)) }
        try await wrap { () throws(SimWorldError) in try await world.remove(id: providerID) }
        if fault == .after { throw injected("delete", ResourceID(kind, providerID)) }
    }

    /// Sim operations are estimated at the middle of their kind's latency range.
    public nonisolated func estimatedDuration(of operation: ProviderOperation, kind: ResourceKind) -> Duration {
        let range = config.latency(of: kind)
        return (range.lowerBound + range.upperBound) / 2
    }

    // MARK: - Faults and latency

    private enum Fault { case none, before, after }

    /// Decides a call's latency and fault from the seed, the operation, its subject (the
    /// resource, or the object for a delete) and how many times it was tried, so that the
    /// same seed gives the same run whatever the idempotency keys and the scheduling.
    private func begin(_ operation: String, _ key: String, kind: ResourceKind) async throws(ProviderError) -> Fault {
        let attempt = attempts[key + operation, default: 0]
        attempts[key + operation] = attempt + 1
        try await latency(operation, key, kind: kind, attempt: attempt)
        var random = SeededRandom(seed: config.seed, "fault", name, operation, key, String(attempt))
        guard config.failureRate > 0, Double.random(in: 0..<1, using: &random) < config.failureRate else { return .none }
        return Bool.random(using: &random) ? .before : .after
    }

    private func latency(_ operation: String, _ key: String, kind: ResourceKind?, attempt: Int) async throws(ProviderError) {
        let range = config.latency(of: kind)
        guard range.upperBound > .zero else { return }
        var random = SeededRandom(seed: config.seed, "latency", name, operation, key, String(attempt))
        let span = (range.upperBound - range.lowerBound) / .nanoseconds(1)
        let pause = range.lowerBound + .nanoseconds(Int64(Double.random(in: 0...1, using: &random) * span))
        do {
            try await sleep(pause)
        } catch {
            throw ProviderError(.transient, provider: name, message: "the call was cancelled", remedy: "run again")
        }
    }

    /// Waits until the object is ready (`readyAfter` of its kind), as a real provider waits
    /// for a cluster or a node; a newer commit cuts the wait short (`WaitCancellation`).
    private func waitUntilReady(_ id: ResourceID) async throws(ProviderError) {
        guard let wait = config.readyAfter[id.kind], wait > .zero else { return }
        guard await WaitCancellation.sleep(for: wait) else {
            let why = WaitCancellation.current?.reason.map { ": \($0)" } ?? ""
            throw ProviderError(.transient, provider: name, message: "stopped waiting for \(id) to become ready\(why)", remedy: "the next reconcile waits again")
        }
    }

    private func injected(_ operation: String, _ id: ResourceID) -> ProviderError {
        ProviderError(.transient, provider: name, message: "simulated failure of \(operation) \(id) (failureRate \(config.failureRate))", remedy: "retry; sim failures are transient")
    }

    private func wrap<T>(_ body: () async throws(SimWorldError) -> T) async throws(ProviderError) -> T {
        do {
            return try await body()
        } catch {
            throw ProviderError(.unavailable, provider: name, message: error.description, remedy: "check the sim world file")
        }
    }

    static func observed(_ object: SimObject) -> ObservedObject {
        ObservedObject(providerID: object.id, spec: object.spec, outputs: object.outputs, revision: String(object.revision))
    }

    static func prefix(_ kind: ResourceKind) -> String {
        switch kind {
        case .provider: "provider"
        case .network: "net"
        case .virtualMachine: "vm"
        case .bareMetalNode: "bm"
        case .kubernetesCluster: "k8s"
        }
    }
}
