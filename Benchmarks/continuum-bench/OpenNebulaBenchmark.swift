import ContinuumOpenNebula
import ContinuumProvider
import ContinuumSpec
import ContinuumTesting
import Foundation

/// A quiet refresh of N VMs on the OpenNebula stand-in: the provider's listing of
/// revisions (`one.vmpool.infoextended` and `one.vnpool.info`, once each), next to the
/// baseline measured in the same run on the same stand-in: reading every VM with
/// `one.vm.info`, which a provider without revisions makes a refresh do.
struct OpenNebulaBenchmark {
    let machines: Int

    struct Result: Codable {
        var machines: Int
        var listingSeconds: Double
        var listingCalls: Int
        var perObjectSeconds: Double
        var perObjectCalls: Int
        var createSecondsMean: Double
    }

    func run() async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let session = "oneadmin:bench-pw"
        let standIn = try OpenNebulaStandIn(in: directory.url, arguments: ["--session", session, "--image", "debian-12"])
        defer { standIn.stop() }
        let config = try OpenNebulaConfig.parse(.map([
            FieldValue.Entry("endpoint", .string(standIn.endpoint)), FieldValue.Entry("pollInterval", .string("1ms")),
        ])).get()
        let provider = try OpenNebulaProvider(name: "bench-one", connection: "bench", config: config, session: session)
        _ = try await provider.create(ProviderRequest(id: ResourceID(.network, "bench-net"),
            spec: .object([("provider", .string("bench-one")), ("cidr", .string("10.0.0.0/16"))]), idempotencyKey: "net"))
        var ids: [String] = []
        let createStart = ContinuousClock.now
        for index in 0..<machines {
            let spec = FieldValue.object([
                ("provider", .string("bench-one")), ("cpu", .integer(1)), ("memory", .quantity(Quantity(bytes: 1 << 30))), ("image", .string("debian-12")),
                ("disks", .list([])), ("networks", .list([.reference(ResourceID(.network, "bench-net"))])), ("power", .string("on")),
            ])
            ids.append(try await provider.create(ProviderRequest(id: ResourceID(.virtualMachine, "vm-\(index)"), spec: spec, idempotencyKey: "k\(index)")).providerID)
        }
        let createSeconds = seconds(ContinuousClock.now - createStart) / Double(max(1, machines))

        var before = provider.client.callCounts.values.reduce(0, +)
        let listingStart = ContinuousClock.now
        guard let revisions = try await provider.revisions(), revisions.count == machines + 1 else { throw FixtureError(message: "the listing missed VMs") }
        let listingSeconds = seconds(ContinuousClock.now - listingStart)
        let listingCalls = provider.client.callCounts.values.reduce(0, +) - before

        before = provider.client.callCounts.values.reduce(0, +)
        let readStart = ContinuousClock.now
        for id in ids { _ = try await provider.read(.virtualMachine, providerID: id) }
        let readSeconds = seconds(ContinuousClock.now - readStart)
        let readCalls = provider.client.callCounts.values.reduce(0, +) - before
        return Result(machines: machines, listingSeconds: listingSeconds, listingCalls: listingCalls, perObjectSeconds: readSeconds, perObjectCalls: readCalls,
            createSecondsMean: createSeconds)
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
