import ContinuumProvider
import ContinuumSim
import ContinuumSpec
import ContinuumTesting
import Foundation
import Synchronization
import Testing

/// Records the latencies a provider sleeps, without sleeping.
final class SleepRecorder: Sendable {
    let pauses = Mutex<[Duration]>([])
    var sleep: @Sendable (Duration) async throws -> Void { { [self] pause in pauses.withLock { $0.append(pause) } } }
}

@Suite("Simulated cloud provider")
struct SimProviderTests {
    let directory: TemporaryDirectory
    let world: SimWorld

    init() throws {
        directory = try TemporaryDirectory()
        world = SimWorld(path: directory.url.appendingPathComponent("sim.db").path)
    }

    private func provider(_ config: SimConfig = SimConfig(), name: String = "de-fra") -> SimProvider {
        SimProvider(name: name, config: config, world: world, sleep: { _ in })
    }

    private func network(_ provider: SimProvider) async throws -> ObservedObject {
        try await provider.create(ProviderRequest(
            id: ResourceID(.network, "fra-edge"), spec: .object([("cidr", .string("10.20.0.0/24")), ("provider", .string("de-fra"))]), idempotencyKey: "k-net"))
    }

    private func vm(_ name: String, key: String, power: String = "on") -> ProviderRequest {
        ProviderRequest(
            id: ResourceID(.virtualMachine, name),
            spec: .object([("networks", .list([.reference(ResourceID(.network, "fra-edge"))])), ("power", .string(power)), ("cpu", .integer(2))]),
            idempotencyKey: key)
    }

    @Test func networksGetTheirGatewayAndVMsTheNextFreeAddresses() async throws {
        defer { directory.remove() }
        let sim = provider()
        let net = try await network(sim)
        #expect(net.outputs["gateway"] == .string("10.20.0.1"))
        #expect(net.providerID.hasPrefix("net-"))
        let first = try await sim.create(vm("web-1", key: "k1"))
        let second = try await sim.create(vm("web-2", key: "k2"))
        #expect(first.outputs["ipAddress"] == .string("10.20.0.2"))
        #expect(second.outputs["ipAddress"] == .string("10.20.0.3"))
        #expect(first.outputs["state"] == .string("running"))
    }

    @Test func aRepeatedCreateWithTheSameKeyReturnsTheFirstObject() async throws {
        defer { directory.remove() }
        let sim = provider()
        let first = try await sim.create(vm("web-1", key: "same"))
        let again = try await sim.create(vm("web-1", key: "same"))
        #expect(first == again)
        #expect(try await world.objects().count == 1)
        #expect(try await sim.lookup(ResourceID(.virtualMachine, "web-1"), idempotencyKey: "same") == first)
        #expect(try await sim.lookup(ResourceID(.virtualMachine, "web-1"), idempotencyKey: "other") == nil)
    }

    @Test func updatesChangeTheSpecAndKeepTheAddress() async throws {
        defer { directory.remove() }
        let sim = provider()
        _ = try await network(sim)
        let created = try await sim.create(vm("web-1", key: "k1"))
        var request = vm("web-1", key: "k2", power: "off")
        request.providerID = created.providerID
        let updated = try await sim.update(request)
        #expect(updated.outputs["state"] == .string("stopped"))
        #expect(updated.outputs["ipAddress"] == created.outputs["ipAddress"])
        #expect(try await sim.read(.virtualMachine, providerID: created.providerID)?.spec["power"] == .string("off"))
    }

    @Test func updatingAMissingObjectIsNotFound() async throws {
        defer { directory.remove() }
        var request = vm("web-1", key: "k")
        request.providerID = "vm-999999"
        await #expect(throws: ProviderError.self) { try await provider().update(request) }
    }

    @Test func deletesAreIdempotentAndReadsSeeThem() async throws {
        defer { directory.remove() }
        let sim = provider()
        let created = try await sim.create(vm("web-1", key: "k1"))
        try await sim.delete(.virtualMachine, providerID: created.providerID, idempotencyKey: "d1")
        try await sim.delete(.virtualMachine, providerID: created.providerID, idempotencyKey: "d1")
        #expect(try await sim.read(.virtualMachine, providerID: created.providerID) == nil)
    }

    @Test func anotherProviderDoesNotSeeTheObject() async throws {
        defer { directory.remove() }
        let created = try await provider(name: "de-fra").create(vm("web-1", key: "k1"))
        #expect(try await provider(name: "es-bio").read(.virtualMachine, providerID: created.providerID) == nil)
    }

    @Test func clustersCountTheirReadyNodes() async throws {
        defer { directory.remove() }
        let spec = FieldValue.object([
            ("version", .string("1.31")),
            ("controlPlane", .object([("replicas", .integer(3))])),
            ("nodePools", .list([.object([("name", .string("general")), ("replicas", .integer(4))])])),
        ])
        let cluster = try await provider().create(ProviderRequest(
            id: ResourceID(.kubernetesCluster, "k8s"), spec: spec, idempotencyKey: "c",
            dependencies: [ResourceID(.bareMetalNode, "m1"), ResourceID(.bareMetalNode, "m2"), ResourceID(.network, "n")]))
        #expect(cluster.outputs["readyNodes"] == .integer(9))
        #expect(cluster.outputs["version"] == .string("1.31"))
        #expect(cluster.outputs["apiEndpoint"] == .string("https://k8s.de-fra.sim.continuum.local:6443"))
    }

    @Test func injectedFailuresAreRetryableAndSomeHappenAfterTheEffect() async throws {
        defer { directory.remove() }
        let sim = provider(SimConfig(failureRate: 1, seed: 42))
        var adopted = 0
        for index in 0..<20 {
            let request = vm("web-\(index)", key: "key-\(index)")
            do {
                _ = try await sim.create(request)
                Issue.record("a failure rate of 1 must fail every call")
            } catch {
                #expect(error.isRetryable)
                if try await sim.lookup(request.id, idempotencyKey: request.idempotencyKey) != nil { adopted += 1 }
            }
        }
        #expect(adopted > 0 && adopted < 20, "some failures happen after the effect, some before")
    }

    @Test func failuresFollowTheSeed() async throws {
        defer { directory.remove() }
        func outcomes(_ seed: UInt64, world file: String) async -> [Bool] {
            let world = SimWorld(path: directory.url.appendingPathComponent(file).path)
            let sim = SimProvider(name: "p", config: SimConfig(failureRate: 0.5, seed: seed), world: world, sleep: { _ in })
            var results: [Bool] = []
            for index in 0..<16 { results.append((try? await sim.create(vm("vm-\(index)", key: "s\(seed)-\(index)"))) != nil) }
            return results
        }
        let a = await outcomes(1, world: "a.db")
        #expect(a.contains(true) && a.contains(false))
        #expect(await outcomes(1, world: "b.db") == a)
        #expect(await outcomes(2, world: "c.db") != a)
    }

    @Test func latenciesStayInTheRangeAndFollowTheSeed() async throws {
        defer { directory.remove() }
        let recorder = SleepRecorder()
        let config = SimConfig(latency: .milliseconds(20) ... .milliseconds(300), seed: 7)
        let sim = SimProvider(name: "de-fra", config: config, world: world, sleep: recorder.sleep)
        for index in 0..<10 { _ = try await sim.create(vm("vm-\(index)", key: "k\(index)")) }
        let pauses = recorder.pauses.withLock { $0 }
        #expect(pauses.count == 10)
        #expect(pauses.allSatisfy { config.latency.contains($0) })
        #expect(Set(pauses).count > 1)
        let again = SleepRecorder()
        let twin = SimProvider(name: "de-fra", config: config, world: SimWorld(path: directory.url.appendingPathComponent("twin.db").path), sleep: again.sleep)
        for index in 0..<10 { _ = try await twin.create(vm("vm-\(index)", key: "k\(index)")) }
        #expect(again.pauses.withLock { $0 } == pauses)
    }

    @Test func theWorldPersistsInItsFile() async throws {
        defer { directory.remove() }
        let created = try await provider().create(vm("web-1", key: "k1"))
        let reopened = SimWorld(path: directory.url.appendingPathComponent("sim.db").path)
        let objects = try await reopened.objects()
        #expect(objects.map(\.id) == [created.providerID])
        #expect(objects.first?.resource == ResourceID(.virtualMachine, "web-1"))
        #expect(objects.first?.idempotencyKey == "k1")
    }
}

@Suite("Sim provider config")
struct SimConfigTests {
    @Test func parsesLatencyRangesRatesAndSeeds() throws {
        let config = try SimConfig.parse(.object([("latency", .string("20ms..300ms")), ("failureRate", .string("0.05")), ("seed", .string("42"))])).get()
        #expect(config.latency == .milliseconds(20) ... .milliseconds(300))
        #expect(config.failureRate == 0.05)
        #expect(config.seed == 42)
        #expect(try SimConfig.parse(.object([("latency", .string("2s"))])).get().latency == .seconds(2) ... .seconds(2))
    }

    @Test func kindLatencyRangesReplaceTheLatencyOfTheirKindsMutatingCalls() async throws {
        let config = try SimConfig.parse(.object([
            ("latency", .string("10ms")), ("kindLatency", .object([("BareMetalNode", .string("2s..4s")), ("KubernetesCluster", .string("6s"))])),
        ])).get()
        #expect(config.latency(of: .bareMetalNode) == .seconds(2) ... .seconds(4))
        #expect(config.latency(of: .kubernetesCluster) == .seconds(6) ... .seconds(6))
        #expect(config.latency(of: .virtualMachine) == .milliseconds(10) ... .milliseconds(10))
        #expect(config.latency(of: nil) == .milliseconds(10) ... .milliseconds(10))

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let recorder = SleepRecorder()
        let provider = SimProvider(name: "de-fra-cloud", config: config, world: SimWorld(path: directory.url.appendingPathComponent("sim.db").path), sleep: recorder.sleep)
        let node = ResourceID(.bareMetalNode, "rack-1")
        let created = try await provider.create(ProviderRequest(id: node, spec: .object([("provider", .string("de-fra-cloud"))]), idempotencyKey: "k1"))
        _ = try await provider.read(.bareMetalNode, providerID: created.providerID)
        let pauses = recorder.pauses.withLock { $0 }
        #expect(pauses.count == 2)
        #expect((Duration.seconds(2) ... .seconds(4)).contains(pauses[0]), "the create takes its kind's latency")
        #expect(pauses[1] == .milliseconds(10), "reads take the provider's latency")
        #expect(provider.estimatedDuration(of: .create, kind: .bareMetalNode) == .seconds(3))
        #expect(provider.estimatedDuration(of: .create, kind: .virtualMachine) == .milliseconds(10))
    }

    @Test(arguments: [
        ("kindLatency", "2s", "spec.config.kindLatency: expected a mapping"),
        ("latency", "fast", "spec.config.latency: expected a duration"),
        ("latency", "300ms..20ms", "spec.config.latency: expected a duration"),
        ("failureRate", "1.5", "spec.config.failureRate: expected a number from 0 to 1"),
        ("seed", "-1", "spec.config.seed: expected a whole number"),
        ("latancy", "5ms", "spec.config.latancy: unknown sim setting (did you mean 'latency'?)"),
    ])
    func refusesBadSettings(_ key: String, _ value: String, _ message: String) {
        expectRefused(.object([(key, .string(value))]), message)
    }

    @Test(arguments: [
        ("BareMetalNodes", "2s", "spec.config.kindLatency.BareMetalNodes: not a resource kind (did you mean 'BareMetalNode'?)"),
        ("Provider", "2s", "spec.config.kindLatency.Provider: not a resource kind"),
        ("BareMetalNode", "slow", "spec.config.kindLatency.BareMetalNode: expected a duration"),
    ])
    func refusesBadKindLatencies(_ kind: String, _ value: String, _ message: String) {
        expectRefused(.object([("kindLatency", .object([(kind, .string(value))]))]), message)
    }

    @Test(arguments: [
        (FieldValue.string("30s"), "spec.config.readyAfter: expected a mapping of kinds to values"),
        (.object([("Clusters", .string("30s"))]), "spec.config.readyAfter.Clusters: not a resource kind"),
        (.object([("KubernetesCluster", .string("2s..4s"))]), "spec.config.readyAfter.KubernetesCluster: expected a duration like \"30s\""),
    ])
    func refusesBadReadiness(_ value: FieldValue, _ message: String) {
        expectRefused(.object([("readyAfter", value)]), message)
    }

    @Test func aCreateWaitsForReadinessAndANewerCommitCutsTheWaitLeavingTheObject() async throws {
        let config = try SimConfig.parse(.object([("readyAfter", .object([("KubernetesCluster", .string("24h"))]))])).get()
        #expect(config.readyAfter == [.kubernetesCluster: .seconds(86_400)])
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let provider = SimProvider(name: "de-fra-cloud", config: config, world: SimWorld(path: directory.url.appendingPathComponent("sim.db").path))
        let id = ResourceID(.kubernetesCluster, "edge")
        let waits = WaitCancellation()
        let creating = Task {
            try await WaitCancellation.$current.withValue(waits) {
                try await provider.create(ProviderRequest(id: id, spec: .object([("provider", .string("de-fra-cloud"))]), idempotencyKey: "k1"))
            }
        }
        // The object exists while the create waits for it to become ready.
        let deadline = ContinuousClock.now + .seconds(120)
        while try await provider.lookup(id, idempotencyKey: "k1") == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        waits.cancel(reason: "commit 1a2b3c is newer")
        do {
            _ = try await creating.value
            Issue.record("the create returned although the cluster never became ready")
        } catch let error as ProviderError {
            #expect(error.isRetryable)
            #expect(error.message == "stopped waiting for KubernetesCluster/edge to become ready: commit 1a2b3c is newer")
        }
        #expect(try await provider.lookup(id, idempotencyKey: "k1") != nil, "the object stays, found by its key")
        // Kinds without a readiness wait are not held up.
        let vm = try await WaitCancellation.$current.withValue(waits) {
            try await provider.create(ProviderRequest(id: ResourceID(.virtualMachine, "web"), spec: .object([("provider", .string("de-fra-cloud"))]), idempotencyKey: "k2"))
        }
        #expect(!vm.providerID.isEmpty)
    }

    private func expectRefused(_ config: FieldValue, _ message: String) {
        guard case .failure(let error) = SimConfig.parse(config) else {
            Issue.record("accepted \(config)")
            return
        }
        #expect(error.problems.count == 1)
        #expect(error.problems.first?.hasPrefix(message) == true)
    }
}
