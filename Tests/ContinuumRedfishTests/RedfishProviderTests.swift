import AsyncHTTPClient
import ContinuumProvider
import ContinuumRedfish
import ContinuumSpec
import ContinuumTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The Redfish provider against the real `sushy-emulator` (fake driver) on loopback,
/// checking the emulator's own view with GETs of its own after each operation. The fake
/// driver applies power changes 1 to 11 seconds after they are asked for, as hardware does,
/// so these tests take tens of seconds; they run in parallel.
@Suite("Redfish provider against sushy-emulator")
struct RedfishProviderTests {
    /// A running emulator, an image server, and a provider for it.
    struct Lab {
        let directory: TemporaryDirectory
        let emulator: SushyEmulator
        let images: StaticFileServer
        let provider: RedfishProvider

        init(systems: Int = 1, login: (username: String, password: String)? = nil, providerLogin: (username: String, password: String)? = nil) throws {
            directory = try TemporaryDirectory()
            let served = directory.url.appendingPathComponent("images")
            try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
            for name in ["debian-12.iso", "debian-13.iso"] { try Data("an installer image: \(name)\n".utf8).write(to: served.appendingPathComponent(name)) }
            images = try StaticFileServer(directory: served)
            emulator = try SushyEmulator(in: directory.url, systems: systems, login: login)
            provider = try RedfishProvider(name: "lab-bmc", config: try RedfishProviderTests.config(emulator.endpoint), credentials: providerLogin ?? login)
        }

        func node(_ index: Int, image: String = "debian-12.iso", bootMode: String = "UEFI", power: String = "on", providerID: String? = nil) -> ProviderRequest {
            ProviderRequest(id: ResourceID(.bareMetalNode, "node-\(index)"), spec: RedfishProviderTests.spec(systemId: emulator.systemPath(index), image: images.url(image), bootMode: bootMode, power: power),
                idempotencyKey: "key-\(index)", providerID: providerID)
        }

        func stop() {
            emulator.stop()
            images.stop()
            directory.remove()
        }
    }

    static func config(_ endpoint: String, _ extra: [FieldValue.Entry] = []) throws -> RedfishConfig {
        try RedfishConfig.parse(.map([FieldValue.Entry("endpoint", .string(endpoint)), FieldValue.Entry("pollInterval", .string("200ms")), FieldValue.Entry("powerTimeout", .string("40s"))] + extra)).get()
    }

    static func spec(systemId: String, image: String, bootMode: String, power: String) -> FieldValue {
        .object([("provider", .string("lab-bmc")), ("systemId", .string(systemId)), ("image", .string(image)), ("bootMode", .string(bootMode)), ("power", .string(power))])
    }

    /// Powers a system on or off behind the provider's back, as someone at the BMC would.
    static func outOfBand(_ emulator: SushyEmulator, _ index: Int, reset: String) async throws {
        var request = HTTPClientRequest(url: emulator.endpoint + emulator.systemPath(index) + "/Actions/ComputerSystem.Reset")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: #"{"ResetType": "\#(reset)"}"#))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(response.status.code == 204)
        let wanted = reset == "On" ? "On" : "Off"
        for _ in 0..<150 where try await emulator.powerState(index) != wanted { try await Task.sleep(for: .milliseconds(100)) }
    }

    static func patch(_ emulator: SushyEmulator, _ path: String, _ body: String) async throws {
        var request = HTTPClientRequest(url: emulator.endpoint + path)
        request.method = .PATCH
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect((200..<300).contains(response.status.code))
    }

    @Test func provisioningInsertsTheImageBootsFromCdOnceAndPowersOn() async throws {
        let lab = try Lab()
        defer { lab.stop() }
        let request = lab.node(0)
        let created = try await lab.provider.create(request)
        #expect(created.providerID == lab.emulator.systemPath(0))
        #expect(created.spec == request.spec, "the live spec reads back as the desired one: no false drift")
        #expect(created.outputs["powerState"] == .string("On"))
        #expect(created.outputs["provisioned"] == .boolean(true))
        #expect(created.outputs["id"] == .string(lab.emulator.systems[0]))
        // The emulator's own view.
        #expect(try await lab.emulator.powerState(0) == "On")
        let cd = try await lab.emulator.cd(0)
        #expect(cd["Inserted"] as? Bool == true)
        #expect(cd["Image"] as? String == lab.images.url("debian-12.iso"))
        let boot = try await lab.emulator.boot(0)
        #expect(boot["BootSourceOverrideTarget"] as? String == "Cd")
        #expect(boot["BootSourceOverrideMode"] as? String == "UEFI")
        #expect(try await lab.provider.read(.bareMetalNode, providerID: created.providerID) == created)
    }

    @Test func aNodeWithUserDataGetsItsCloudInitSeedAsASecondVirtualMedium() async throws {
        let lab = try Lab()
        defer { lab.stop() }
        let seeds = lab.directory.url.appendingPathComponent("images/seeds")
        let provider = try RedfishProvider(name: "lab-bmc", config: try Self.config(lab.emulator.endpoint, [
            FieldValue.Entry("seedDirectory", .string(seeds.path)), FieldValue.Entry("seedURL", .string(lab.images.url("seeds"))),
        ]), credentials: nil)
        var request = lab.node(0)
        let userData = "#cloud-config\nhostname: node-0\n"
        request.spec = .map((try #require({ if case .map(let entries) = request.spec { entries } else { nil } }()) + [FieldValue.Entry("userData", .string(userData))]))
        let created = try await provider.create(request)
        #expect(created.outputs["provisioned"] == .boolean(true))
        // The emulator's view: the image on the CD, the seed on the other medium.
        #expect(try await lab.emulator.cd(0)["Image"] as? String == lab.images.url("debian-12.iso"))
        let seed = try await lab.emulator.get(lab.emulator.systemPath(0) + "/VirtualMedia/Floppy")
        #expect(seed["Inserted"] as? Bool == true)
        // Its name is a capability: the node's name and 32 random bytes, hex; owner-only.
        let files = try FileManager.default.contentsOfDirectory(atPath: seeds.path)
        #expect(files.count == 1, "\(files)")
        let file = try #require(files.first)
        #expect(file.hasPrefix("node-0-") && file.hasSuffix("-seed.iso") && file.dropFirst(7).dropLast(9).count == 64 && file.dropFirst(7).dropLast(9).allSatisfy(\.isHexDigit), "\(file)")
        #expect(seed["Image"] as? String == lab.images.url("seeds/\(file)"))
        let attributes = try FileManager.default.attributesOfItem(atPath: seeds.appendingPathComponent(file).path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let iso = try Data(contentsOf: seeds.appendingPathComponent(file))
        #expect(String(decoding: iso, as: UTF8.self).contains(userData) && String(decoding: iso, as: UTF8.self).contains("cidata"))
        // Once the node is Ready, the seed is taken back: the medium ejected, the file gone.
        try await provider.removeBootstrapSeed(of: .bareMetalNode, providerID: created.providerID, name: "node-0")
        #expect(try await lab.emulator.get(lab.emulator.systemPath(0) + "/VirtualMedia/Floppy")["Inserted"] as? Bool == false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: seeds.path).isEmpty)
        #expect(try await lab.emulator.cd(0)["Inserted"] as? Bool == true, "the image's CD stays")
        // Released: both media ejected.
        try await provider.delete(.bareMetalNode, providerID: created.providerID, idempotencyKey: "key-0")
        #expect(try await lab.emulator.cd(0)["Inserted"] as? Bool == false)

        // Without a seed directory the provider says what to configure, before touching the node.
        await #expect(throws: ProviderError.self) { try await lab.provider.create(request) }
        do {
            _ = try await lab.provider.create(request)
        } catch {
            #expect(error.message.contains("has cloud-init user data (it joins a cluster), and the provider has no seedDirectory and seedURL"), "\(error)")
        }
        #expect(try await lab.emulator.cd(0)["Inserted"] as? Bool == false, "the node was left alone")
    }

    /// A create that fails once the seed is written (here the BMC cannot download it)
    /// leaves no seed, and so no join token and no live URL, behind.
    @Test func aFailedCreateLeavesNoSeedBehind() async throws {
        let lab = try Lab()
        defer { lab.stop() }
        let seeds = lab.directory.url.appendingPathComponent("unserved-seeds")
        // The seed URL points at a server of an empty directory, which logs what the BMC asked for.
        let empty = lab.directory.url.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let log = lab.directory.url.appendingPathComponent("seed-server.log")
        let unserved = try StaticFileServer(directory: empty, log: log)
        defer { unserved.stop() }
        let provider = try RedfishProvider(name: "lab-bmc", config: try Self.config(lab.emulator.endpoint, [
            FieldValue.Entry("seedDirectory", .string(seeds.path)), FieldValue.Entry("seedURL", .string(unserved.url("not-served"))),
        ]), credentials: nil)
        let request = Self.withUserData(lab.node(0))
        await #expect(throws: ProviderError.self) { try await provider.create(request) }
        // The seed was written and inserted (the BMC asked for it by its capability URL),
        // and the failed create deleted it.
        let asked = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
        #expect(asked.range(of: #"GET /not-served/node-0-[0-9a-f]{64}-seed\.iso"#, options: .regularExpression) != nil, "the BMC never asked for a seed")
        #expect(FileManager.default.fileExists(atPath: seeds.path), "the seed directory was made for the seed")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: seeds.path)) ?? []).isEmpty)
    }

    /// The request for `node-0` with cloud-init user data.
    static func withUserData(_ request: ProviderRequest) -> ProviderRequest {
        var request = request
        if case .map(let entries) = request.spec { request.spec = .map(entries + [FieldValue.Entry("userData", .string("#cloud-config\nhostname: node-0\n"))]) }
        return request
    }

    /// A provider of `lab`'s emulator whose seeds are served from `images/seeds`.
    static func seeding(_ lab: Lab) throws -> (provider: RedfishProvider, seeds: URL) {
        let seeds = lab.directory.url.appendingPathComponent("images/seeds")
        let provider = try RedfishProvider(name: "lab-bmc", config: try Self.config(lab.emulator.endpoint, [
            FieldValue.Entry("seedDirectory", .string(seeds.path)), FieldValue.Entry("seedURL", .string(lab.images.url("seeds"))),
        ]), credentials: nil)
        return (provider, seeds)
    }

    /// Removing a seed deletes its files first: a BMC that no longer answers, or a
    /// cancelled caller (an attempt's timeout), does not keep the token served; the eject
    /// runs all the same under cancellation.
    @Test func removingASeedDeletesItsFilesFirstUnderCancellationAndWithoutTheBMC() async throws {
        let lab = try Lab()
        defer { lab.stop() }
        let (provider, seeds) = try Self.seeding(lab)
        let created = try await provider.create(Self.withUserData(lab.node(0)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: seeds.path).count == 1)
        let cancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await provider.removeBootstrapSeed(of: .bareMetalNode, providerID: created.providerID, name: "node-0")
        }
        try await cancelled.value
        #expect(try FileManager.default.contentsOfDirectory(atPath: seeds.path).isEmpty, "the files went, the caller being cancelled")
        #expect(try await lab.emulator.get(lab.emulator.systemPath(0) + "/VirtualMedia/Floppy")["Inserted"] as? Bool == false, "and the medium was ejected")
        // A seed written again, and a BMC that no longer answers: the file goes all the same.
        let leftover = seeds.appendingPathComponent("node-0-\(String(repeating: "ab", count: 32))-seed.iso")
        try Data("a leftover seed".utf8).write(to: leftover)
        lab.emulator.stop()
        try await provider.removeBootstrapSeed(of: .bareMetalNode, providerID: created.providerID, name: "node-0")
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
    }

    /// Deleting a node whose seed is still inserted (a create that crashed before the node
    /// was Ready) deletes the seed's file too.
    @Test func deletingANodeDeletesASeedStillInserted() async throws {
        let lab = try Lab()
        defer { lab.stop() }
        let (provider, seeds) = try Self.seeding(lab)
        let created = try await provider.create(Self.withUserData(lab.node(0)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: seeds.path).count == 1)
        try await provider.delete(.bareMetalNode, providerID: created.providerID, idempotencyKey: "delete-0")
        #expect(try FileManager.default.contentsOfDirectory(atPath: seeds.path).isEmpty)
        #expect(try await lab.emulator.get(lab.emulator.systemPath(0) + "/VirtualMedia/Floppy")["Inserted"] as? Bool == false)
    }

    @Test func powerAndBootModeChangedOutOfBandAreSeenAndPutBack() async throws {
        let lab = try Lab()
        defer { lab.stop() }
        let created = try await lab.provider.create(lab.node(0))
        try await Self.outOfBand(lab.emulator, 0, reset: "ForceOff")
        try await Self.patch(lab.emulator, lab.emulator.systemPath(0), #"{"Boot": {"BootSourceOverrideMode": "Legacy"}}"#)
        let drifted = try #require(try await lab.provider.read(.bareMetalNode, providerID: created.providerID))
        #expect(drifted.spec["power"] == .string("off"))
        #expect(drifted.spec["bootMode"] == .string("Legacy"))
        #expect(drifted.outputs["provisioned"] == .boolean(false))
        let healed = try await lab.provider.update(lab.node(0, providerID: created.providerID))
        #expect(healed.spec == lab.node(0).spec)
        #expect(try await lab.emulator.powerState(0) == "On")
        #expect(try await lab.emulator.boot(0)["BootSourceOverrideMode"] as? String == "UEFI")
    }

    @Test func aNodeKeptOffIsProvisionedOffAndDeleteReleasesIt() async throws {
        let lab = try Lab()
        defer { lab.stop() }
        let created = try await lab.provider.create(lab.node(0, bootMode: "Legacy", power: "off"))
        #expect(created.spec["power"] == .string("off"))
        #expect(created.outputs["provisioned"] == .boolean(false), "never booted")
        #expect(try await lab.emulator.powerState(0) == "Off")
        #expect(try await lab.emulator.cd(0)["Inserted"] as? Bool == true)
        #expect(try await lab.emulator.boot(0)["BootSourceOverrideMode"] as? String == "Legacy")
        _ = try await lab.provider.update(lab.node(0, bootMode: "Legacy", power: "on", providerID: created.providerID))
        #expect(try await lab.emulator.powerState(0) == "On")
        try await lab.provider.delete(.bareMetalNode, providerID: created.providerID, idempotencyKey: "delete-0")
        #expect(try await lab.emulator.powerState(0) == "Off", "released: powered off")
        #expect(try await lab.emulator.cd(0)["Inserted"] as? Bool == false, "released: media ejected")
        #expect(try await lab.provider.read(.bareMetalNode, providerID: created.providerID) != nil, "the hardware is not destroyed")
    }

    @Test func reprovisioningEjectsTheOldImageFirst() async throws {
        let lab = try Lab()
        defer { lab.stop() }
        _ = try await lab.provider.create(lab.node(0, power: "off"))
        let again = try await lab.provider.create(lab.node(0, image: "debian-13.iso", power: "off"))
        #expect(again.spec["image"] == .string(lab.images.url("debian-13.iso")))
        #expect(try await lab.emulator.cd(0)["Image"] as? String == lab.images.url("debian-13.iso"))
    }

    @Test func anEjectedImageIsNotObservedAndKeepsItsRecordedValue() async throws {
        let lab = try Lab()
        defer { lab.stop() }
        let created = try await lab.provider.create(lab.node(0, power: "off"))
        var request = HTTPClientRequest(url: lab.emulator.endpoint + lab.emulator.systemPath(0) + "/VirtualMedia/Cd/Actions/VirtualMedia.EjectMedia")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: "{}"))
        _ = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let observed = try #require(try await lab.provider.read(.bareMetalNode, providerID: created.providerID))
        #expect(observed.spec["image"] == nil, "installed nodes often have their media ejected; that is not drift")
        #expect(observed.spec.completed(from: created.spec) == created.spec)
    }

    @Test func basicAuthIsUsedWhenTheServiceHasNoSessions() async throws {
        let lab = try Lab(login: ("admin", "s3cret-pw"))
        defer { lab.stop() }
        let observed = try await lab.provider.read(.bareMetalNode, providerID: lab.emulator.systemPath(0))
        #expect(observed?.outputs["powerState"] == .string("Off"))
        let wrong = try RedfishProvider(name: "lab-bmc", config: try Self.config(lab.emulator.endpoint), credentials: ("admin", "wrong-pw"))
        let error = await #expect(throws: ProviderError.self) { try await wrong.read(.bareMetalNode, providerID: lab.emulator.systemPath(0)) }
        #expect(error?.message.contains("refused the credentials") == true, "\(String(describing: error))")
        #expect(error?.description.contains("wrong-pw") == false, "the password never appears")
        let anonymous = try RedfishProvider(name: "lab-bmc", config: try Self.config(lab.emulator.endpoint), credentials: nil)
        await #expect(throws: ProviderError.self) { try await anonymous.read(.bareMetalNode, providerID: lab.emulator.systemPath(0)) }
    }

    @Test func tlsIsVerifiedUnlessTheConfigTrustsTheCertificate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let emulator = try SushyEmulator(in: directory.url, systems: 1, https: true)
        defer { emulator.stop() }
        let certificate = try #require(emulator.certificate)
        let verified = try RedfishProvider(name: "lab-bmc", config: try Self.config(emulator.endpoint), credentials: nil)
        let error = await #expect(throws: ProviderError.self) { try await verified.read(.bareMetalNode, providerID: emulator.systemPath(0)) }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("cannot reach the BMC at https://127.0.0.1") == true, "\(String(describing: error))")
        for extra in [
            [FieldValue.Entry("caFile", .string(certificate.path))], [FieldValue.Entry("insecureSkipVerify", .boolean(true))],
            // As a spec's provider config has it: scalars arrive as strings.
            [FieldValue.Entry("insecureSkipVerify", .string("true"))],
        ] {
            let trusting = try RedfishProvider(name: "lab-bmc", config: try Self.config(emulator.endpoint, extra), credentials: nil)
            #expect(try await trusting.read(.bareMetalNode, providerID: emulator.systemPath(0))?.outputs["powerState"] == .string("Off"))
        }
    }

    @Test func unknownSystemsAndUnreachableBMCsAreClearErrors() async throws {
        let lab = try Lab()
        defer { lab.stop() }
        #expect(try await lab.provider.read(.bareMetalNode, providerID: "/redfish/v1/Systems/no-such-system") == nil)
        let request = ProviderRequest(id: ResourceID(.bareMetalNode, "ghost"),
            spec: Self.spec(systemId: "/redfish/v1/Systems/no-such-system", image: lab.images.url("debian-12.iso"), bootMode: "UEFI", power: "on"), idempotencyKey: "k")
        let missing = await #expect(throws: ProviderError.self) { try await lab.provider.create(request) }
        #expect(missing?.message == "the BMC has no system /redfish/v1/Systems/no-such-system")
        let wrongKind = await #expect(throws: ProviderError.self) { try await lab.provider.read(.virtualMachine, providerID: "x") }
        #expect(wrongKind?.message.contains("manages BareMetalNode resources, not VirtualMachine") == true)
        let closed = try RedfishProvider(name: "lab-bmc", config: try Self.config("http://127.0.0.1:9"), credentials: nil)
        let unreachable = await #expect(throws: ProviderError.self) { try await closed.read(.bareMetalNode, providerID: "/redfish/v1/Systems/x") }
        #expect(unreachable?.code == .unavailable)
        #expect(unreachable?.isRetryable == true)
    }

    @Test(arguments: [
        (FieldValue.map([]), "spec.config.endpoint: required"),
        (FieldValue.map([FieldValue.Entry("endpoint", .string("ftp://bmc"))]), "spec.config.endpoint: required"),
        (FieldValue.map([FieldValue.Entry("endpoint", .string("https://bmc")), FieldValue.Entry("insecureSkipVerify", .string("yes"))]), "spec.config.insecureSkipVerify: expected true or false"),
        (FieldValue.map([FieldValue.Entry("endpoint", .string("https://bmc")), FieldValue.Entry("powerTimeout", .string("soon"))]), "spec.config.powerTimeout: expected a duration"),
        (FieldValue.map([FieldValue.Entry("endpoint", .string("https://bmc")), FieldValue.Entry("endpont", .string("x"))]), "spec.config.endpont: unknown redfish setting (did you mean 'endpoint'?)"),
    ])
    func invalidConfigsSayWhatIsWrong(config: FieldValue, message: String) {
        guard case .failure(let error) = RedfishConfig.parse(config) else {
            Issue.record("\(config) was accepted")
            return
        }
        #expect(error.problems.contains { $0.contains(message) }, "\(error.problems)")
    }

    /// Provider `config` scalars arrive as strings: `insecureSkipVerify: true` is "true".
    @Test(arguments: [
        (FieldValue.string("true"), true), (.string("True"), true), (.string("TRUE"), true), (.boolean(true), true),
        (.string("false"), false), (.string("False"), false), (.boolean(false), false),
    ])
    func insecureSkipVerifyIsReadAsWritten(value: FieldValue, expected: Bool) throws {
        let config = try RedfishConfig.parse(.map([FieldValue.Entry("endpoint", .string("https://10.0.0.5")), FieldValue.Entry("insecureSkipVerify", value)])).get()
        #expect(config.insecureSkipVerify == expected)
    }
}
