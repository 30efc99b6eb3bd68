import AsyncHTTPClient
import ContinuumProvider
import ContinuumRedfish
import ContinuumSpec
import ContinuumTesting
import Foundation
import NIOCore
import NIOHTTP1

/// Provisions bare-metal nodes one at a time through the Redfish provider against the
/// real sushy-emulator, counting the API calls in the emulator's own request log, next to
/// the floor measured in the same run on the same emulator: a bare `Reset On` of a spare
/// system polled at the same interval until it reports `On` (the emulator, like hardware,
/// takes 1 to 11 s for a power change, which dominates).
struct RedfishBenchmark {
    let nodes: Int
    let pollInterval: Duration

    struct Node: Codable {
        var provisionSeconds: Double
        var apiCalls: Int
        var powerPolls: Int
        var floorSeconds: Double
        var floorCalls: Int
    }

    struct Result: Codable {
        var nodes: [Node]
        var meanProvisionSeconds: Double
        var meanFloorSeconds: Double
        var meanApiCalls: Double
        var meanPowerPolls: Double
    }

    func run() async throws -> Result {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let served = directory.url.appendingPathComponent("images")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        try Data("installer\n".utf8).write(to: served.appendingPathComponent("installer.iso"))
        let images = try StaticFileServer(directory: served)
        defer { images.stop() }
        // Systems 0..<nodes are provisioned; nodes..<2*nodes are the floor's.
        let emulator = try SushyEmulator(in: directory.url, systems: 2 * nodes)
        defer { emulator.stop() }
        let config = try RedfishConfig.parse(.map([
            FieldValue.Entry("endpoint", .string(emulator.endpoint)), FieldValue.Entry("pollInterval", .string(DurationText.format(pollInterval))),
        ])).get()
        let provider = try RedfishProvider(name: "bench-bmc", config: config, credentials: nil)
        var results: [Node] = []
        for index in 0..<nodes {
            let spec = FieldValue.object([
                ("provider", .string("bench-bmc")), ("systemId", .string(emulator.systemPath(index))), ("image", .string(images.url("installer.iso"))),
                ("bootMode", .string("UEFI")), ("power", .string("on")),
            ])
            let before = try requests(emulator)
            let start = ContinuousClock.now
            _ = try await provider.create(ProviderRequest(id: ResourceID(.bareMetalNode, "node-\(index)"), spec: spec, idempotencyKey: "k\(index)"))
            let provisionSeconds = seconds(ContinuousClock.now - start)
            let calls = Array(try requests(emulator).dropFirst(before.count))
            // Power polls: the system's GETs after the reset, but for the final read-back.
            let reset = calls.lastIndex { $0.hasPrefix("POST") && $0.hasSuffix("ComputerSystem.Reset") } ?? calls.endIndex
            let polls = max(0, calls[reset...].count { $0 == "GET \(emulator.systemPath(index))" } - 1)
            let floor = try await powerOnFloor(emulator, system: nodes + index)
            results.append(Node(provisionSeconds: provisionSeconds, apiCalls: calls.count, powerPolls: polls, floorSeconds: floor.seconds, floorCalls: floor.calls))
        }
        func mean(_ value: (Node) -> Double) -> Double { results.map(value).reduce(0, +) / Double(results.count) }
        return Result(nodes: results, meanProvisionSeconds: mean(\.provisionSeconds), meanFloorSeconds: mean(\.floorSeconds),
            meanApiCalls: mean { Double($0.apiCalls) }, meanPowerPolls: mean { Double($0.powerPolls) })
    }

    /// A bare `Reset On` and polls of the system at the same interval until it is on.
    private func powerOnFloor(_ emulator: SushyEmulator, system: Int) async throws -> (seconds: Double, calls: Int) {
        let start = ContinuousClock.now
        var request = HTTPClientRequest(url: emulator.endpoint + emulator.systemPath(system) + "/Actions/ComputerSystem.Reset")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"ResetType": "On"}"#))
        _ = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        var calls = 1
        while try await emulator.powerState(system) != "On" {
            calls += 1
            try await Task.sleep(for: pollInterval)
        }
        return (seconds(ContinuousClock.now - start), calls + 1)
    }

    /// The requests in the emulator's log so far, as "METHOD path".
    private func requests(_ emulator: SushyEmulator) throws -> [String] {
        let log = try String(contentsOf: emulator.log, encoding: .utf8)
        return log.split(separator: "\n").compactMap { line in
            // 127.0.0.1 - - [date] "GET /redfish/v1/... HTTP/1.1" 200 -   (colour codes around some)
            guard let quote = line.firstIndex(of: "\""), let end = line.range(of: " HTTP/1.1") else { return nil }
            let words = line[line.index(after: quote)..<end.lowerBound].split(separator: " ")
            guard words.count == 2 else { return nil }
            let method = String(words[0].reversed().prefix(while: \.isUppercase).reversed())
            return "\(method) \(words[1])"
        }
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
