import ContinuumSim
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
import Testing

/// `apply`, `destroy`, `state` and `sim` end to end, as subprocesses in a scratch directory.
@Suite("continuum apply, destroy, state, sim", .serialized)
struct ApplyCLITests {
    static let quickstart = CLITests.quickstart.path

    /// A fleet on a slow sim (every call 150-250 ms), for interrupting mid-apply.
    static func slowFleet(in directory: TemporaryDirectory, credentials: Bool = false) throws -> String {
        let secret = credentials ? "\n  credentials:\n    password: {fromEnv: FRA_SECRET}" : ""
        try directory.write("spec/providers.yaml", """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata: {name: de-fra-cloud}
            spec:
              type: sim
              config: {latency: "150ms..250ms", seed: "5"}
              limits: {concurrency: 2}\(secret)
            """)
        var documents = [SpecSamples.network()]
        for index in 0..<8 { documents.append(SpecSamples.virtualMachine("vm-\(index)")) }
        try directory.write("spec/fleet.yaml", SpecSamples.file(documents[0], documents[1], documents[2], documents[3], documents[4], documents[5], documents[6], documents[7], documents[8]))
        return directory.url.appendingPathComponent("spec").path
    }

    @Test func theQuickstartAppliesConvergesAndCorrectsDrift() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let apply = try CLIRunner.run(["apply", Self.quickstart, "--auto-approve"], in: directory.url)
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("VirtualMachine/web-1: Creating..."))
        #expect(apply.stdout.contains("Apply complete! Resources: 8 added, 0 changed, 0 replaced, 0 destroyed."))
        #expect(try CLIRunner.run(["plan", Self.quickstart, "--detailed-exitcode"], in: directory.url).status == 0)

        let drift = try CLIRunner.run(["sim", "set", "VirtualMachine/web-1", "spec.memory=8Gi"], in: directory.url)
        #expect(drift.status == 0, "\(drift.stderr)")
        let plan = try CLIRunner.run(["plan", Self.quickstart, "--detailed-exitcode"], in: directory.url)
        #expect(plan.status == 2)
        #expect(plan.stdout.contains("~ spec.memory: 8Gi -> 4Gi"))
        #expect(plan.stdout.contains("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy."))
        let fix = try CLIRunner.run(["apply", Self.quickstart, "--auto-approve"], in: directory.url)
        #expect(fix.stdout.contains("VirtualMachine/web-1: drift detected"))
        #expect(fix.stdout.contains("Apply complete! Resources: 0 added, 1 changed, 0 replaced, 0 destroyed."))
        #expect(try CLIRunner.run(["plan", Self.quickstart, "--detailed-exitcode"], in: directory.url).status == 0)
    }

    @Test func removingAFileDeletesItsResourcesAndStateShowsTheRest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spec = try Self.slowFleet(in: directory)
        #expect(try CLIRunner.run(["apply", spec, "--auto-approve"], in: directory.url).status == 0)
        try directory.write("spec/fleet.yaml", SpecSamples.file(SpecSamples.network(), SpecSamples.virtualMachine("vm-0")))
        let apply = try CLIRunner.run(["apply", spec, "--auto-approve"], in: directory.url)
        #expect(apply.stdout.contains("Apply complete! Resources: 0 added, 0 changed, 0 replaced, 7 destroyed."))
        let list = try CLIRunner.run(["state", "list"], in: directory.url)
        #expect(list.stdout.hasPrefix("Network/fra-edge\tprovider=de-fra-cloud\tid=net-"))
        #expect(list.stdout.contains("2 resources at serial "))
        let show = try CLIRunner.run(["state", "show", "VirtualMachine/vm-0", "--format", "json"], in: directory.url)
        #expect(show.stdout.contains("\"providerID\" : \"vm-"))
        let missing = try CLIRunner.run(["state", "show", "VirtualMachine/vm-9"], in: directory.url)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("is not in the state"))
        let sims = try CLIRunner.run(["sim", "list", "--format", "json"], in: directory.url)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(sims.stdout.utf8)) as? [[String: Any]])
        #expect(objects.count == 2)
        #expect(Set(objects.compactMap { $0["kind"] as? String }) == ["Network", "VirtualMachine"])
        #expect((objects.first { $0["kind"] as? String == "Network" }?["outputs"] as? [String: Any])?["gateway"] as? String == "10.20.0.1")
    }

    @Test func applyWithoutATerminalNeedsAutoApprove() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let result = try CLIRunner.run(["apply", Self.quickstart], in: directory.url)
        #expect(result.status == 1)
        #expect(result.stderr.contains("refusing to apply without --auto-approve"))
        #expect(try CLIRunner.run(["sim", "list"], in: directory.url).stdout.hasSuffix("0 objects.\n"))
    }

    /// Waits until the sim world holds `count` objects (a kill point: the apply is that far),
    /// or the apply has ended.
    static func waitUntil(_ world: SimWorld, holds count: Int, while process: Process) async throws {
        while process.isRunning, ((try? await world.objects().count) ?? 0) < count { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test func aSavedPlanIsRefusedOnceTheStateMoved() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spec = try Self.slowFleet(in: directory)
        #expect(try CLIRunner.run(["plan", spec, "--out", "plan.json"], in: directory.url).status == 0)
        #expect(try CLIRunner.run(["apply", spec, "--auto-approve"], in: directory.url).status == 0)
        let stale = try CLIRunner.run(["apply", spec, "--plan", "plan.json", "--auto-approve"], in: directory.url)
        #expect(stale.status == 1)
        #expect(stale.stderr.contains("provider calls were made since the saved plan was made"), "\(stale.stderr)")
        #expect(stale.stderr.contains("run `continuum plan --out FILE` again"))
    }

    @Test func aJSONPlanIsAppliedAndADamagedSavedPlanRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let planned = try CLIRunner.run(["plan", Self.quickstart, "--format", "json", "--out", "plan.bin"], in: directory.url)
        #expect(planned.status == 0, "\(planned.stderr)")
        try Data(planned.stdout.utf8).write(to: directory.url.appendingPathComponent("plan.json"))
        let saved = try Data(contentsOf: directory.url.appendingPathComponent("plan.bin"))
        try saved.prefix(saved.count - 3).write(to: directory.url.appendingPathComponent("cut.bin"))
        let cut = try CLIRunner.run(["apply", Self.quickstart, "--plan", "cut.bin", "--auto-approve"], in: directory.url)
        #expect(cut.status == 1)
        #expect(cut.stderr.contains("cut.bin: error: cannot read the saved plan at byte"), "\(cut.stderr)")
        #expect(cut.stderr.contains("`continuum plan --out FILE`"))
        let applied = try CLIRunner.run(["apply", Self.quickstart, "--plan", "plan.json", "--auto-approve"], in: directory.url)
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        #expect(try CLIRunner.run(["plan", Self.quickstart, "--detailed-exitcode"], in: directory.url).status == 0)
    }

    @Test func aSecondApplierIsToldWhoHoldsTheLock() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SQLiteStateStore(path: directory.url.appendingPathComponent(".continuum/state.db").path)
        try await store.lock(holder: "continuum apply (pid 1 on other-host)", for: .seconds(600))
        let result = try CLIRunner.run(["apply", Self.quickstart, "--auto-approve"], in: directory.url)
        #expect(result.status == 1)
        #expect(result.stderr.contains("the state is locked by continuum apply (pid 1 on other-host)"))
    }

    /// What Continuum creates is the user's own, whatever the inherited umask.
    @Test func filesAreCreatedOwnerOnly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(try CLIRunner.run(["apply", Self.quickstart, "--auto-approve"], in: directory.url).status == 0)
        for file in [".continuum", ".continuum/state.db", ".continuum/sim.db"] {
            let mode = try FileManager.default.attributesOfItem(atPath: directory.url.appendingPathComponent(file).path)[.posixPermissions] as? Int ?? 0o777
            #expect(mode & 0o077 == 0, "\(file) is \(String(mode, radix: 8))")
        }
    }

    @Test func stateUnlockForceReleasesALiveLockAndTheHistorySaysWho() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = SQLiteStateStore(path: directory.url.appendingPathComponent(".continuum/state.db").path)
        try await store.lock(holder: "continuum apply (pid 1 on other-host)", for: .seconds(600))
        let refused = try CLIRunner.run(["state", "unlock"], in: directory.url)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("the state is locked by continuum apply (pid 1 on other-host)"))
        #expect(refused.stderr.contains("continuum state unlock --force"))
        let forced = try CLIRunner.run(["state", "unlock", "--force"], in: directory.url)
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("Released the lock of continuum apply (pid 1 on other-host)"))
        #expect(try await store.currentLock() == nil)
        let record = try #require(try await store.history(limit: 1).first)
        #expect(record.outcome == "lock released by force")
        #expect(record.source.contains("continuum state unlock --force"))
        #expect(try CLIRunner.run(["apply", Self.quickstart, "--auto-approve"], in: directory.url).status == 0)
    }

    @Test func killingTheApplierMidwayLosesNothingAndDuplicatesNothing() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spec = try Self.slowFleet(in: directory)
        let world = SimWorld(path: directory.url.appendingPathComponent(".continuum/sim.db").path)
        let process = try CLIRunner.start(["apply", spec, "--auto-approve"], in: directory.url)
        try await Self.waitUntil(world, holds: 3, while: process)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let before = try await world.objects().count
        #expect(before > 0 && before < 9, "the kill must land mid-apply (\(before) of 9 created)")
        let recovered = try CLIRunner.run(["apply", spec, "--auto-approve"], in: directory.url)
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(recovered.stderr.contains("taking over the lock of continuum apply (pid \(process.processIdentifier)"))
        let objects = try await world.objects()
        #expect(objects.count == 9, "no orphan, no duplicate: \(objects.map(\.resource.description))")
        #expect(Set(objects.map(\.resource)).count == 9)
        let store = SQLiteStateStore(path: directory.url.appendingPathComponent(".continuum/state.db").path)
        #expect(try await store.pendingIntents().isEmpty)
        #expect(try await store.snapshot().resources.count == 9)
        #expect(try CLIRunner.run(["plan", spec, "--detailed-exitcode"], in: directory.url).status == 0)
    }

    /// kill -9 at a seeded point (after that many objects exist in the sim world), then the
    /// reviewed-plan path: `plan --out` and `apply --plan`. Recovery runs first; a plan made
    /// over unsettled operations, or before calls that were journalled since, is refused
    /// with the command to run; the fleet ends with no duplicate and no orphan.
    /// The kill points leave at least three creates to make: with two calls at a time of at
    /// least 150 ms each, the last one cannot have ended when the kill lands (at seven of
    /// nine, the two in flight could both end before the poll saw the seventh).
    @Test(arguments: [1, 3, 5, 6])
    func aSavedPlanAfterAKillRecoversFirstAndDuplicatesNothing(killAfter objects: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spec = try Self.slowFleet(in: directory)
        let world = SimWorld(path: directory.url.appendingPathComponent(".continuum/sim.db").path)
        let process = try CLIRunner.start(["apply", spec, "--auto-approve"], in: directory.url)
        try await Self.waitUntil(world, holds: objects, while: process)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the kill must land mid-apply")

        let store = SQLiteStateStore(path: directory.url.appendingPathComponent(".continuum/state.db").path)
        let unsettled = try await store.pendingIntents().count
        let planned = try CLIRunner.run(["plan", spec, "--out", "plan.json"], in: directory.url)
        #expect(planned.status == 0, "\(planned.stderr)")
        if unsettled > 0 { #expect(planned.stderr.contains("of an interrupted apply"), "\(planned.stderr)") }
        var applied = try CLIRunner.run(["apply", spec, "--plan", "plan.json", "--auto-approve"], in: directory.url)
        if applied.status != 0 {
            #expect(applied.stderr.contains("run `continuum plan --out FILE` again"), "\(applied.stderr)")
            #expect(try CLIRunner.run(["plan", spec, "--out", "plan.json"], in: directory.url).status == 0)
            applied = try CLIRunner.run(["apply", spec, "--plan", "plan.json", "--auto-approve"], in: directory.url)
        }
        #expect(applied.status == 0, "\(applied.stdout)\(applied.stderr)")
        let live = try await world.objects()
        #expect(live.count == 9, "no orphan, no duplicate: \(live.map(\.resource.description).sorted())")
        #expect(Set(live.map(\.resource)).count == 9)
        let recorded = try await store.snapshot().resources
        #expect(Set(recorded.compactMap(\.providerID)) == Set(live.map(\.id)), "every object is recorded, and only those")
        #expect(try await store.pendingIntents().isEmpty)
        #expect(try CLIRunner.run(["plan", spec, "--detailed-exitcode"], in: directory.url).status == 0)
    }

    @Test func anInterruptFinishesWhatIsInFlightAndTheNextApplyConverges() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spec = try Self.slowFleet(in: directory)
        let process = try CLIRunner.start(["apply", spec, "--auto-approve"], in: directory.url)
        try await Self.waitUntil(SimWorld(path: directory.url.appendingPathComponent(".continuum/sim.db").path), holds: 2, while: process)
        kill(process.processIdentifier, SIGINT)
        let output = process.output()
        process.waitUntilExit()
        #expect(process.terminationStatus == 1)
        #expect(output.contains("Apply interrupted"), "\(output)")
        let again = try CLIRunner.run(["apply", spec, "--auto-approve"], in: directory.url)
        #expect(again.status == 0, "\(again.stderr)")
        let objects = try await SimWorld(path: directory.url.appendingPathComponent(".continuum/sim.db").path).objects()
        #expect(objects.count == 9)
        #expect(Set(objects.map(\.resource)).count == 9, "no duplicates")
    }

    /// Secrets are the operator's: a spec that names one (to have it sent somewhere) is
    /// refused, and the value is read by nothing and printed nowhere.
    @Test func aSpecCannotNameASecretAndNoneLeaks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let secret = "hunter2-do-not-print"
        let named = try Self.slowFleet(in: directory, credentials: true)
        for command in [["validate", named], ["plan", named], ["apply", named, "--auto-approve"]] {
            let refused = try CLIRunner.run(command, in: directory.url, environment: ["FRA_SECRET": secret])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("providers.yaml:9:5: error: spec.credentials: credentials belong to the operator, not to specs"), "\(refused.stderr)")
            #expect(!refused.stdout.contains(secret) && !refused.stderr.contains(secret))
        }
        let spec = try Self.slowFleet(in: directory)
        let result = try CLIRunner.run(["apply", spec, "--auto-approve", "--report", "report.json"], in: directory.url, environment: ["FRA_SECRET": secret])
        #expect(result.status == 0, "\(result.stderr)")
        for file in [".continuum/state.db", ".continuum/sim.db", "report.json"] {
            let bytes = try Data(contentsOf: directory.url.appendingPathComponent(file))
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(file) holds the secret")
        }
        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.url.appendingPathComponent("report.json"))) as? [String: Any])
        let actions = try #require(report["actions"] as? [[String: Any]])
        #expect(actions.count == 9)
        #expect(actions.allSatisfy { $0["outcome"] as? String == "succeeded" && ($0["end"] as? Double ?? 0) >= ($0["start"] as? Double ?? 1) })
    }

    @Test func destroyHonoursPreventDestroy() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        #expect(try CLIRunner.run(["apply", Self.quickstart, "--auto-approve"], in: directory.url).status == 0)
        let refused = try CLIRunner.run(["destroy", Self.quickstart, "--auto-approve"], in: directory.url)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("BareMetalNode/bio-metal-1: error: lifecycle.preventDestroy is set"))
        #expect(try CLIRunner.run(["sim", "list"], in: directory.url).stdout.hasSuffix("8 objects.\n"))
    }

    @Test func destroyRemovesEverything() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let spec = try Self.slowFleet(in: directory)
        #expect(try CLIRunner.run(["apply", spec, "--auto-approve"], in: directory.url).status == 0)
        let destroy = try CLIRunner.run(["destroy", spec, "--auto-approve"], in: directory.url)
        #expect(destroy.stdout.contains("Apply complete! Resources: 0 added, 0 changed, 0 replaced, 9 destroyed."), "\(destroy.stdout)")
        #expect(try CLIRunner.run(["sim", "list"], in: directory.url).stdout == "0 objects.\n")
    }
}
