import ContinuumOpenNebula
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// `continuum apply` on an opennebula connection killed with SIGKILL at a seeded point (the
/// stand-in has allocated that many VMs and holds the last reply, and every later call, so
/// the apply stands still there), then run again: the VMs whose allocation reached the
/// front-end are found by their `CONTINUUM_KEY` and adopted, the others allocated; none twice.
@Suite("OpenNebula: apply killed with -9 adopts, never duplicates")
struct OpenNebulaCrashTests {
    static let machines = 4

    @Test(arguments: [1, 3])
    func aKilledApplyIsRecoveredByAdoption(killAfter allocations: Int) async throws {
        let lab = try OpenNebulaLab()
        defer { lab.stop() }
        let directory = lab.directory
        _ = try directory.write("operator-secrets/one/session", OpenNebulaLab.session + "\n")
        _ = try directory.write("operator.yaml", OperatorConfigSample.file(secretsDirectory: directory.url.appendingPathComponent("operator-secrets").path, connections: [
            OperatorConfigSample.connection("one-fra", type: "opennebula", settings: [("endpoint", lab.standIn.endpoint), ("pollInterval", "10ms")],
                credentials: [("session", "{file: one/session}")], allowPlaintext: true),
        ]))
        _ = try directory.write("specs/providers.yaml", "apiVersion: continuum.dev/v1\nkind: Provider\nmetadata:\n  name: one-fra\nspec:\n  type: opennebula\n  connection: one-fra\n")
        var documents = [SpecSamples.network(provider: "one-fra")]
        for index in 0..<Self.machines { documents.append(SpecSamples.virtualMachine("web-\(index)", provider: "one-fra")) }
        _ = try directory.write("specs/fra.yaml", documents.joined(separator: "\n---\n"))
        let arguments = ["apply", "specs", "--auto-approve", "--config", directory.url.appendingPathComponent("operator.yaml").path]

        // The kill point: once the stand-in has allocated that many VMs, it holds that reply
        // and every later call; the apply is then killed where it stands.
        try await lab.control("freeze_after", [.string("one.vm.allocate"), .int(allocations)])
        let first = try Self.start(arguments, in: directory.url, log: directory.url.appendingPathComponent("first.log"))
        let deadline = ContinuousClock.now + .seconds(120)
        while try await lab.control("frozen") != .bool(true) {
            guard first.isRunning, ContinuousClock.now < deadline else {
                let log = (try? String(contentsOf: directory.url.appendingPathComponent("first.log"), encoding: .utf8)) ?? ""
                Issue.record("the apply never reached its kill point (\(allocations) allocations): \(log.suffix(3000))")
                return
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        try await lab.control("thaw")
        #expect(first.terminationReason == .uncaughtSignal)
        #expect(try await lab.calls()["one.vm.allocate"] == allocations, "killed after exactly \(allocations) allocations")
        #expect(try await Self.vms(lab).count == allocations)

        let second = try Self.start(arguments, in: directory.url, log: directory.url.appendingPathComponent("second.log"))
        second.waitUntilExit()
        let output = (try? String(contentsOf: directory.url.appendingPathComponent("second.log"), encoding: .utf8)) ?? ""
        #expect(second.terminationStatus == 0, "\(output)")
        let vms = try await Self.vms(lab).filter { $0.state != 6 }
        #expect(vms.count == Self.machines && Set(vms.map(\.name)).count == Self.machines, "no duplicate, no orphan: \(vms)")
        #expect(vms.allSatisfy { $0.state == 3 && $0.lcm == 3 })
        #expect(try await lab.calls()["one.vm.allocate"] == Self.machines, "each VM allocated once")
        #expect(!output.contains("s3cret-one-pw"))
    }

    static func vms(_ lab: OpenNebulaLab) async throws -> [(id: Int, name: String, state: Int, lcm: Int)] {
        guard case .array(let rows) = try await lab.control("vms") else { return [] }
        return rows.compactMap { row in
            guard case .array(let fields) = row, fields.count == 4, case .int(let id) = fields[0], case .string(let name) = fields[1],
                case .int(let state) = fields[2], case .int(let lcm) = fields[3]
            else { return nil }
            return (id, name, state, lcm)
        }
    }

    /// The `continuum` executable beside the test bundle, started in `directory` with its
    /// output in `log`.
    static func start(_ arguments: [String], in directory: URL, log: URL) throws -> Process {
        var candidate = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        var executable: URL?
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("continuum").path) {
                executable = candidate.appendingPathComponent("continuum")
                break
            }
            candidate = candidate.deletingLastPathComponent()
        }
        guard let executable else { throw FixtureError(message: "the continuum executable was not found; run `swift build` before `swift test`") }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["CONTINUUM_STATE"] = nil
        environment["CONTINUUM_SIM_WORLD"] = nil
        environment["CONTINUUM_CONFIG"] = nil
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }
}
