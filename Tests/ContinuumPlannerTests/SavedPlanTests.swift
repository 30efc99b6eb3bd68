import ContinuumPlanner
import ContinuumSpec
import Foundation
import Testing

/// The saved plan format (`plan --out`, `apply --plan`) and the streamed JSON: what is
/// written reads back equal, the streamed bytes are the whole encoder's, and a truncated,
/// damaged or hostile file is a clear error, never a crash.
@Suite("Saved plans and streamed JSON")
struct SavedPlanTests {
    /// The golden plan (every action, templates, a secret reference, a cluster's machines),
    /// and the same with every optional part filled in.
    static func plans() throws -> [Plan] {
        let plain = try GoldenPlanTests.plan()
        var full = plain
        full.held = [HeldResource(id: ResourceID(.virtualMachine, "held-1"), reason: "its provider did not answer")]
        full.orphans = [ResourceID(.network, "gone")]
        full.providerChanges = [ResourceChange(id: ResourceID(.provider, "de-fra-cloud"), action: .update, provider: "de-fra-cloud",
            fieldChanges: [FieldChange(path: "spec.site", before: .string("a"), after: .string("b"))], spec: .map([.init("site", .string("b"))]))]
        full.journalPosition = 42
        full.unsettledIntents = 2
        full.stateLineage = "lineage-1"
        full.stateSerial = -3
        full.changes[0].fieldChanges.append(FieldChange(path: "spec.ratio", before: .number(0.5), after: .number(-1e300)))
        full.changes[0].owner = ResourceID(.kubernetesCluster, "k8s")
        // Text JSON must escape, keys in byte order, and values the writer leaves to JSONEncoder.
        full.changes[1].spec = .map([
            .init("Zeta", .string("a\"b\\c/d\n\t\u{1}\u{8}\u{c}\r\u{1b}é\u{7f}\u{2028}")), .init("_x", .secret(.fromEnv("NAME"))),
            .init("alpha", .list([.number(1e300), .number(0.5), .integer(-7), .boolean(false), .unknown])), .init("é", .map([])),
        ])
        let empty = try PlanHarness.plan(GoldenPlanTests.after, state: PlanHarness.applied(GoldenPlanTests.after))
        return [plain, full, empty]
    }

    static func saved(_ plan: Plan) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try SavedPlanWriter.write(plan) { bytes.append(contentsOf: $0) }
        return bytes
    }

    static func streamed(_ plan: Plan, pretty: Bool) throws -> Data {
        var data = Data()
        try PlanJSONStreamer(pretty: pretty).write(plan) { data.append(contentsOf: $0) }
        return data
    }

    @Test func aSavedPlanReadsBackEqual() throws {
        for plan in try Self.plans() {
            let bytes = try Self.saved(plan)
            #expect(SavedPlanFormat.isSavedPlan(bytes))
            #expect(try SavedPlanReader.read(bytes) == plan)
            #expect(try Self.saved(plan) == bytes, "deterministic")
        }
    }

    @Test func aSavedPlanIsSmallerThanItsCompactJSON() throws {
        let plan = try GoldenPlanTests.plan()
        #expect(try Self.saved(plan).count * 2 < PlanJSONCoder.encode(plan, pretty: false).count)
    }

    @Test func aSavedPlanHoldsNoSecretValue() throws {
        let bytes = try Self.saved(try GoldenPlanTests.plan())
        #expect(!String(decoding: bytes, as: UTF8.self).contains("FRA_SECRET_PASSWORD"), "as in the other plan formats")
    }

    @Test(arguments: [false, true])
    func streamedJSONIsTheEncodersBytes(pretty: Bool) throws {
        for plan in try Self.plans() {
            #expect(try Self.streamed(plan, pretty: pretty) == PlanJSONCoder.encode(plan, pretty: pretty))
        }
    }

    @Test func compactJSONReadsBackEqual() throws {
        for plan in try Self.plans() {
            #expect(try PlanJSONCoder.decode(Self.streamed(plan, pretty: false)) == plan)
        }
    }

    @Test func everyTruncationIsRefused() throws {
        let bytes = try Self.saved(try Self.plans()[1])
        for length in 0..<bytes.count {
            #expect(throws: SavedPlanError.self) { try SavedPlanReader.read(Array(bytes.prefix(length))) }
        }
    }

    @Test func everyDamagedByteIsRefused() throws {
        let bytes = try Self.saved(try Self.plans()[1])
        for index in stride(from: SavedPlanFormat.magic.count, to: bytes.count, by: 7) {
            var damaged = bytes
            damaged[index] ^= 0x5a
            #expect(throws: SavedPlanError.self) { try SavedPlanReader.read(damaged) }
        }
    }

    @Test func aNewerVersionSaysToUseTheSameContinuum() throws {
        var bytes = SavedPlanFormat.magic + [UInt8(SavedPlanFormat.version + 1)] + Array(repeating: 0, count: 16)
        bytes = Self.sealed(Array(bytes.dropLast(8)))
        let error = try #require(throws: SavedPlanError.self) { try SavedPlanReader.read(bytes) }
        #expect(error.description.contains("made by a newer Continuum"))
        #expect(error.description.contains("same version"))
    }

    /// Files with a valid checksum whose content lies: counts past the end, strings that
    /// refer forward, values nested without end, steps that wait for later steps.
    @Test(arguments: [
        ("a count of", [0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        ("refers to one not defined", [0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x05]),
        ("longer than 64 bits", [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
        ("unknown record type", [0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09]),
        ("waits for step", [0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
            0x03, 0x00, 0x00, 0x10] + Array("VirtualMachine/a".utf8) + [0x00, 0x06] + Array("create".utf8) + [0x01, 0x02, 0x00]),
    ] as [(String, [UInt8])])
    func aHostileFileIsRefused(_ expected: String, _ body: [UInt8]) throws {
        let bytes = Self.sealed(SavedPlanFormat.magic + body)
        let error = try #require(throws: SavedPlanError.self) { try SavedPlanReader.read(bytes) }
        #expect(error.description.contains(expected), "\(error)")
    }

    @Test func deeplyNestedValuesAreRefused() throws {
        var value = FieldValue.integer(1)
        for _ in 0..<100 { value = .list([value]) }
        var plan = try GoldenPlanTests.plan()
        plan.changes[0].spec = value
        let error = try #require(throws: SavedPlanError.self) { try SavedPlanReader.read(try Self.saved(plan)) }
        #expect(error.description.contains("nest more than"))
    }

    @Test func aJSONFileIsNotASavedPlan() throws {
        let json = try PlanJSONCoder.encode(try GoldenPlanTests.plan())
        #expect(!SavedPlanFormat.isSavedPlan(json))
        #expect(throws: SavedPlanError.self) { try SavedPlanReader.read([UInt8](json)) }
    }

    /// `bytes` with the format's checksum (FNV-1a 64, little endian) after them.
    static func sealed(_ bytes: [UInt8]) -> [UInt8] {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return bytes + (0..<8).map { UInt8(truncatingIfNeeded: hash >> (8 * UInt64($0))) }
    }
}
