import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// A load that reuses the previous load's cache parses only the changed files, and gives
/// exactly what a full load of the same tree gives, whatever the edits.
@Suite("Incremental loading")
struct IncrementalLoadTests {
    static func site(_ index: Int, cpu: Int = 2, extra: String = "") -> String {
        """
        apiVersion: continuum.dev/v1
        kind: Network
        metadata: {name: net-\(index)}
        spec: {provider: cloud, cidr: 10.\(index % 250).0.0/24}
        ---
        apiVersion: continuum.dev/v1
        kind: VirtualMachine
        metadata: {name: vm-\(index)}
        spec: {provider: cloud, cpu: \(cpu), memory: 1Gi, image: debian-12, networks: [Network/net-\(index)], userData: "${Network/net-\(index).outputs.gateway}"}
        \(extra)
        """
    }

    static let provider = """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata: {name: cloud}
        spec: {type: sim}
        """

    @Test func filesWhoseStatIsUnchangedAreNotReadAgain() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        _ = try directory.write("providers.yaml", Self.provider)
        for site in 0..<10 { _ = try directory.write("sites/site-\(site).yaml", Self.site(site)) }
        var (_, cache) = await SpecLoader().load(directory.url, reusing: SpecLoadCache())
        #expect(cache.readFiles == 11)
        // Files written just before a load are "racy": the next load hashes them again (how
        // many were racy depends on how soon the first load ran); none is parsed again.
        try await Task.sleep(for: .milliseconds(120))
        (_, cache) = await SpecLoader().load(directory.url, reusing: cache)
        #expect(cache.readFiles <= 11 && cache.parsedFiles == 0)
        var repository: SpecRepository
        (repository, cache) = await SpecLoader().load(directory.url, reusing: cache)
        #expect(cache.readFiles == 0 && cache.parsedFiles == 0, "nothing changed since the files were hashed: none is read")
        #expect(repository.resources == (await SpecLoader().load(directory.url)).resources)

        _ = try directory.write("sites/site-3.yaml", Self.site(3, cpu: 3))
        (repository, cache) = await SpecLoader().load(directory.url, reusing: cache)
        #expect(cache.readFiles == 1 && cache.parsedFiles == 1, "an edit of the same size is seen by its times")
        #expect(repository.resources == (await SpecLoader().load(directory.url)).resources)
        let edited = Set(repository.resources.indices.filter { repository.resources[$0].id.name.hasSuffix("-3") })
        #expect(cache.patchedPositions.map(Set.init) == edited, "the patched positions are those of the edited file's resources")

        // Written to a temporary file and renamed over it: a new inode, the same bytes.
        try Data(Self.site(5).utf8).write(to: directory.url.appendingPathComponent("sites/site-5.yaml"), options: .atomic)
        (repository, cache) = await SpecLoader().load(directory.url, reusing: cache)
        #expect(cache.readFiles >= 1 && cache.parsedFiles == 0, "a file replaced by the same content is read and hashed, not parsed")
        #expect(repository.resources == (await SpecLoader().load(directory.url)).resources)
    }

    @Test func withChangedFilesOnlyThoseAreReadAndTheResultIsAFullLoads() async throws {
        let old = try TemporaryDirectory()
        let new = try TemporaryDirectory()
        defer {
            old.remove()
            new.remove()
        }
        for directory in [old, new] {
            _ = try directory.write("providers.yaml", Self.provider)
            for site in 0..<10 { _ = try directory.write("sites/site-\(site).yaml", Self.site(site)) }
        }
        // Another checkout of the next commit: one file edited, one added, one deleted.
        _ = try new.write("sites/site-3.yaml", Self.site(3, cpu: 5))
        _ = try new.write("sites/site-10.yaml", Self.site(10))
        try FileManager.default.removeItem(at: new.url.appendingPathComponent("sites/site-4.yaml"))
        let (_, cache) = await SpecLoader().load(old.url, reusing: SpecLoadCache())
        let changed: Set<String> = ["sites/site-3.yaml", "sites/site-10.yaml", "sites/site-4.yaml"]
        let (repository, next) = await SpecLoader().load(new.url, reusing: cache, changedFiles: changed)
        #expect(next.readFiles == 2 && next.parsedFiles == 2, "only the edited and the added file are read")
        #expect(repository.resources == (await SpecLoader().load(new.url)).resources)
        #expect(repository.diagnostics.isEmpty)

        // The stamps are the new checkout's, but its files were never hashed: a load by stamp
        // alone hashes them rather than trusting them.
        let (_, again) = await SpecLoader().load(new.url, reusing: next)
        #expect(again.parsedFiles == 0)
    }

    @Test func aFileSaidUnchangedThatIsNowALinkIsStillRefused() async throws {
        let old = try TemporaryDirectory()
        let new = try TemporaryDirectory()
        defer {
            old.remove()
            new.remove()
        }
        _ = try old.write("providers.yaml", Self.provider)
        _ = try old.write("site.yaml", Self.site(1))
        _ = try new.write("providers.yaml", Self.provider)
        _ = try new.write("elsewhere.txt", Self.site(1))
        try FileManager.default.createSymbolicLink(atPath: new.url.appendingPathComponent("site.yaml").path, withDestinationPath: "elsewhere.txt")
        let (_, cache) = await SpecLoader().load(old.url, reusing: SpecLoadCache())
        let (repository, _) = await SpecLoader().load(new.url, reusing: cache, changedFiles: [])
        #expect(repository.diagnostics.contains { $0.location?.file == "site.yaml" }, "\(repository.diagnostics)")
    }

    @Test(arguments: [1, 2, 3, 4])
    func randomEditSequencesLoadAsAFullLoadDoes(seed: UInt64) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var random = SplitMix(seed: seed)
        _ = try directory.write("providers.yaml", Self.provider)
        var sites = Set(0..<20)
        for site in sites { _ = try directory.write("sites/site-\(site).yaml", Self.site(site)) }
        var cache = SpecLoadCache()
        (_, cache) = await SpecLoader().load(directory.url, reusing: cache)
        #expect(cache.parsedFiles == 21 && cache.reusedFiles == 0)
        var nextSite = 20
        for step in 0..<30 {
            var touched = 1
            let site = sites.randomElement(using: &random) ?? 0
            let path = "sites/site-\(site).yaml"
            var edit = ""
            switch Int.random(in: 0..<7, using: &random) {
            case 0:
                edit = "change cpu of site \(site)"
                _ = try directory.write(path, Self.site(site, cpu: Int.random(in: 1...64, using: &random)))
            case 1:
                edit = "add site \(nextSite)"
                _ = try directory.write("sites/site-\(nextSite).yaml", Self.site(nextSite))
                sites.insert(nextSite)
                nextSite += 1
            case 2 where sites.count > 2:
                edit = "remove site \(site)"
                try FileManager.default.removeItem(at: directory.url.appendingPathComponent(path))
                sites.remove(site)
                touched = 0
            case 3:
                edit = "break the YAML of site \(site)"
                _ = try directory.write(path, Self.site(site) + "\n  : [unclosed\n")
            case 4:
                edit = "give site \(site) a duplicate of another site's VM"
                let other = sites.filter { $0 != site }.randomElement(using: &random) ?? site
                _ = try directory.write(path, Self.site(site, extra: "---\n" + Self.site(other).components(separatedBy: "---\n")[1]))
            case 5:
                edit = "misspell a field in site \(site)"
                _ = try directory.write(path, Self.site(site).replacingOccurrences(of: "memory:", with: "memroy:"))
            default:
                edit = "touch nothing"
                touched = 0
            }
            let incremental: SpecRepository
            (incremental, cache) = await SpecLoader().load(directory.url, reusing: cache)
            let full = await SpecLoader().load(directory.url)
            #expect(incremental.resources == full.resources, "seed \(seed), step \(step): \(edit)")
            #expect(incremental.rejected == full.rejected, "seed \(seed), step \(step): \(edit)")
            #expect(incremental.diagnostics == full.diagnostics, "seed \(seed), step \(step): \(edit)")
            #expect(incremental.fileCount == full.fileCount)
            #expect(cache.parsedFiles <= touched, "seed \(seed), step \(step): \(edit): parsed \(cache.parsedFiles) files")
            #expect(cache.parsedFiles + cache.reusedFiles == full.fileCount)
        }
    }
}
