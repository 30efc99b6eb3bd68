#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// Whoever can merge a spec file is only partly trusted: links in the repository are
/// refused and never followed, only regular files are read, each read is capped, and a
/// load reads at most a total budget. Every refusal names the entry's path, and nothing of
/// what a link points at reaches a diagnostic.
@Suite("Untrusted repository files")
struct UntrustedFilesTests {
    static let linkMessage =
        "error: a symbolic link; spec files and directories must be regular files and directories in the repository, and links are never followed: "
        + "commit the file or directory itself in place of the link, or exclude the path with .continuumignore"
    static let fifoMessage = "error: a FIFO (named pipe), not a regular file; it is not read: replace it with a regular file, or exclude the path with .continuumignore"

    /// A marker that only the files outside the repository hold.
    static let marker = "outside-marker-4f1c"
    static let outsideYAML = """
        apiVersion: continuum.dev/v1
        kind: Provider
        metadata: {name: \(marker)}
        spec: {type: sim, site: \(marker)}

        """

    /// A repository with one valid file, and a directory outside it holding a spec file.
    struct Fixture {
        let repository: TemporaryDirectory
        let outside: TemporaryDirectory

        init() throws {
            repository = try TemporaryDirectory()
            outside = try TemporaryDirectory()
            try repository.write("providers.yaml", IncrementalLoadTests.provider)
            try outside.write("leak.yaml", UntrustedFilesTests.outsideYAML)
        }

        func link(_ relativePath: String, to target: String) throws {
            let url = repository.url.appendingPathComponent(relativePath)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: target)
        }

        func fifo(_ relativePath: String) throws {
            let url = repository.url.appendingPathComponent(relativePath)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard mkfifo(url.path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
        }

        func remove() {
            repository.remove()
            outside.remove()
        }
    }

    /// A link in the repository, and where it points (`outside` stands for the directory
    /// outside the repository).
    struct LinkCase: CustomTestStringConvertible, Sendable {
        let name: String
        let path: String
        let target: String
        var testDescription: String { name }
    }

    static let linkCases = [
        LinkCase(name: "a file outside (/etc/hostname)", path: "sites/zz.yaml", target: "/etc/hostname"),
        LinkCase(name: "a file that never ends (/proc/self/pagemap)", path: "zz.yaml", target: "/proc/self/pagemap"),
        LinkCase(name: "a spec file outside", path: "sites/leak.yaml", target: "outside/leak.yaml"),
        LinkCase(name: "a directory outside with YAML in it", path: "sites/shared", target: "outside"),
        LinkCase(name: "a directory outside, named like a spec file", path: "shared.yaml", target: "outside"),
        LinkCase(name: "a file inside the repository", path: "copy.yaml", target: "providers.yaml"),
        LinkCase(name: "a non-YAML name (could be a directory)", path: "README.md", target: "/etc"),
        LinkCase(name: "a link to itself", path: "loop.yaml", target: "loop.yaml"),
    ]

    @Test(arguments: linkCases)
    func linksAreRefusedAtTheirPathWithoutBeingFollowed(_ link: LinkCase) async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let target = link.target.hasPrefix("outside") ? fixture.outside.path + link.target.dropFirst("outside".count) : link.target
        try fixture.link(link.path, to: target)
        let (repository, cache) = await SpecLoader().load(fixture.repository.url, reusing: SpecLoadCache())
        #expect(SpecHarness.lines(repository.diagnostics) == ["\(link.path):1:1: \(Self.linkMessage)"])
        #expect(repository.diagnostics.first?.location?.file == link.path)
        #expect(repository.resources.map(\.id.description) == ["Provider/cloud"], "only the repository's own file is loaded")
        #expect(cache.readFiles == 1 && repository.fileCount == 1, "the link is not read")
        Self.expectNothingFromOutside(repository)
    }

    @Test func aLinkOnlyRefusedWhereSomethingWouldBeRead() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.link(".hidden", to: fixture.outside.path)
        try fixture.link(".git/leak.yaml", to: fixture.outside.path + "/leak.yaml")
        try fixture.link("docs", to: fixture.outside.path)
        try fixture.repository.write(".continuumignore", "docs\n")
        let repository = await SpecLoader().load(fixture.repository.url)
        #expect(repository.diagnostics.isEmpty, "hidden, dot-directory and ignored links are not looked at")
        #expect(repository.resources.map(\.id.description) == ["Provider/cloud"])
    }

    @Test func theScanDoesNotDescendIntoALinkedDirectory() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.link("sites/shared", to: fixture.outside.path)
        try fixture.repository.write("sites/own.yaml", "")
        let listing = try RepositoryScanner().scan(fixture.repository.url).get()
        #expect(listing.files == ["providers.yaml", "sites/own.yaml"])
        #expect(SpecHarness.lines(listing.refused) == ["sites/shared:1:1: \(Self.linkMessage)"])
        #expect(throws: DiagnosticsError.self) { try RepositoryScanner().specFiles(under: fixture.repository.url).get() }
    }

    @Test func theRootMayBeALink() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let root = fixture.outside.url.appendingPathComponent("specs")
        try FileManager.default.createSymbolicLink(atPath: root.path, withDestinationPath: fixture.repository.path)
        let repository = await SpecLoader().load(root)
        #expect(repository.diagnostics.isEmpty)
        #expect(repository.resources.map(\.id.description) == ["Provider/cloud"])
        // A single file given as a link: resolved too, and named by the file it resolves to.
        let file = fixture.outside.url.appendingPathComponent("cloud.yaml")
        try FileManager.default.createSymbolicLink(atPath: file.path, withDestinationPath: fixture.repository.path + "/providers.yaml")
        let single = await SpecLoader().load(file)
        #expect(single.diagnostics.isEmpty)
        #expect(single.resources.map(\.location.file) == ["providers.yaml"])
    }

    @Test func anIgnoreFileThatIsALinkIsRefused() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.link(".continuumignore", to: "/proc/self/pagemap")
        let repository = await SpecLoader().load(fixture.repository.url)
        #expect(SpecHarness.lines(repository.diagnostics) == [".continuumignore:1:1: \(Self.linkMessage)"])
    }

    @Test func aFIFOIsRefusedWithoutBlocking() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.fifo("sites/pipe.yaml")
        let pipe = fixture.repository.url.appendingPathComponent("sites/pipe.yaml").path
        // Were the load to wait for a writer, this opens one after 30 s so that the test
        // still ends, and says so: the load must never have needed it.
        let unblocker = Task { () -> Bool in
            try? await Task.sleep(for: .seconds(30))
            guard !Task.isCancelled else { return false }
            let descriptor = open(pipe, O_WRONLY | O_NONBLOCK)
            if descriptor >= 0 { close(descriptor) }
            return true
        }
        let repository = await SpecLoader().load(fixture.repository.url)
        unblocker.cancel()
        #expect(await unblocker.value == false, "the load waited for a writer")
        #expect(SpecHarness.lines(repository.diagnostics) == ["sites/pipe.yaml:1:1: \(Self.fifoMessage)"])
        #expect(repository.resources.map(\.id.description) == ["Provider/cloud"])

        // A FIFO put where a listed file was (after the scan): opened without waiting for a
        // writer, then refused by fstat.
        #expect(throws: SpecFileError.notRegularFile(kind: "a FIFO (named pipe)")) { try SpecFileReader.contents(of: pipe, limit: 1 << 20) }
        #expect(SpecFileReader.status(of: pipe, limit: 1 << 20) == .failure(.notRegularFile(kind: "a FIFO (named pipe)")))
    }

    @Test func aLinkPutWhereAListedFileWasIsNotOpened() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.link("zz.yaml", to: "/proc/self/pagemap")
        let link = fixture.repository.url.appendingPathComponent("zz.yaml").path
        #expect(throws: SpecFileError.symbolicLink) { try SpecFileReader.contents(of: link, limit: 1 << 20) }
        #expect(SpecFileReader.status(of: link, limit: 1 << 20) == .failure(.symbolicLink))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/maps")))
    func aReadStopsAtTheLimitWhateverStatSays() throws {
        // /proc files say 0 bytes: the read stops at limit + 1 all the same.
        #expect(throws: SpecFileError.grewPastLimit(limit: 64)) { try SpecFileReader.contents(of: "/proc/self/maps", limit: 64) }
        #expect(SpecFileError.grewPastLimit(limit: 64).message == "file is larger than the limit of 64 bytes (more than its size when it was listed); split it into smaller files")
    }

    @Test(arguments: [(1024, true), (1025, false)])
    func filesUpToThePerFileLimitAreRead(size: Int, accepted: Bool) async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        try fixture.repository.write("big.yaml", String(repeating: "#", count: size - 1) + "\n")
        let repository = await SpecLoader(limits: LoaderLimits(maximumFileSize: 1024)).load(fixture.repository.url)
        let expected = accepted ? [] : ["big.yaml:1:1: error: file is 1025 bytes, over the limit of 1024 bytes; split it into smaller files"]
        #expect(SpecHarness.lines(repository.diagnostics) == expected)
        #expect(repository.resources.map(\.id.description) == ["Provider/cloud"])
    }

    @Test func filesPastTheTotalBudgetAreNotRead() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let size = IncrementalLoadTests.provider.utf8.count
        for site in 0..<4 { try fixture.repository.write("sites/site-\(site).yaml", IncrementalLoadTests.site(site)) }
        let sites = (0..<4).map { IncrementalLoadTests.site($0).utf8.count }
        let total = size + sites.reduce(0, +)
        // Room for the provider and two sites; the third crosses it.
        let limits = LoaderLimits(maximumTotalBytes: size + sites[0] + sites[1] + sites[2] / 2)
        let (repository, cache) = await SpecLoader(limits: limits).load(fixture.repository.url, reusing: SpecLoadCache())
        #expect(SpecHarness.lines(repository.diagnostics) == [
            "sites/site-2.yaml:1:1: error: the spec files add up to \(total) bytes, over the limit of \(limits.maximumTotalBytes) bytes for one load; "
                + "this file and the 1 after it (in path order) were not read: remove spec files or exclude some with .continuumignore"
        ])
        #expect(cache.readFiles == 3 && cache.parsedFiles == 3 && cache.refusedFiles == 2)
        #expect(!repository.resources.contains { $0.id.name.hasSuffix("-2") || $0.id.name.hasSuffix("-3") })
        #expect(repository.resources.count == 5)
        // The cache does not lift the budget: files reused without being read still count.
        let (again, _) = await SpecLoader(limits: limits).load(fixture.repository.url, reusing: cache)
        Self.expectEqual(again, repository, "reloaded over the budget")
    }

    /// After each edit (links, FIFOs, a file replaced by a link to a copy of itself, an
    /// oversized file, a budget crossed and no longer crossed), a load reusing the previous
    /// load's cache gives exactly what a full load gives.
    @Test func cachedLoadsEqualFullLoadsThroughRefusals() async throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let root = fixture.repository.url
        for site in 0..<6 { try fixture.repository.write("sites/site-\(site).yaml", IncrementalLoadTests.site(site)) }
        try fixture.outside.write("site-3.yaml", IncrementalLoadTests.site(3))
        let limits = LoaderLimits(maximumFileSize: 4096, maximumTotalBytes: 8192)
        let edits: [(String, () throws -> Void)] = [
            ("nothing", {}),
            ("a link to a file outside", { try fixture.link("sites/zz.yaml", to: "/etc/hostname") }),
            ("the link removed", { try FileManager.default.removeItem(at: root.appendingPathComponent("sites/zz.yaml")) }),
            ("a file replaced by a link to the same content outside", {
                try FileManager.default.removeItem(at: root.appendingPathComponent("sites/site-3.yaml"))
                try fixture.link("sites/site-3.yaml", to: fixture.outside.path + "/site-3.yaml")
            }),
            ("the file put back", {
                try FileManager.default.removeItem(at: root.appendingPathComponent("sites/site-3.yaml"))
                try fixture.repository.write("sites/site-3.yaml", IncrementalLoadTests.site(3))
            }),
            ("a linked directory", { try fixture.link("shared", to: fixture.outside.path) }),
            ("a FIFO", { try fixture.fifo("sites/pipe.yaml") }),
            ("both removed", {
                try FileManager.default.removeItem(at: root.appendingPathComponent("shared"))
                try FileManager.default.removeItem(at: root.appendingPathComponent("sites/pipe.yaml"))
            }),
            ("a file over the per-file limit", { try fixture.repository.write("sites/site-1.yaml", IncrementalLoadTests.site(1) + String(repeating: "#", count: 5000)) }),
            ("the file back under it", { try fixture.repository.write("sites/site-1.yaml", IncrementalLoadTests.site(1, cpu: 4)) }),
            ("the total budget crossed", {
                for site in 6..<20 { try fixture.repository.write("sites/site-\(site).yaml", IncrementalLoadTests.site(site)) }
            }),
            ("an edit before the cut", { try fixture.repository.write("sites/site-0.yaml", IncrementalLoadTests.site(0, cpu: 8)) }),
            ("back under the budget", {
                for site in 6..<20 { try FileManager.default.removeItem(at: root.appendingPathComponent("sites/site-\(site).yaml")) }
            }),
            ("nothing again", {}),
        ]
        var cache = SpecLoadCache()
        (_, cache) = await SpecLoader(limits: limits).load(root, reusing: cache)
        for (edit, apply) in edits {
            try apply()
            let incremental: SpecRepository
            (incremental, cache) = await SpecLoader(limits: limits).load(root, reusing: cache)
            let full = await SpecLoader(limits: limits).load(root)
            Self.expectEqual(incremental, full, edit)
            Self.expectNothingFromOutside(incremental)
            #expect(!incremental.resources.isEmpty, "\(edit)")
        }
    }

    static func expectEqual(_ incremental: SpecRepository, _ full: SpecRepository, _ edit: String) {
        #expect(incremental.resources == full.resources, "\(edit)")
        #expect(incremental.rejected == full.rejected, "\(edit)")
        #expect(incremental.diagnostics == full.diagnostics, "\(edit)")
        #expect(incremental.fileCount == full.fileCount, "\(edit)")
    }

    /// Nothing read from outside the repository: no resource, no diagnostic quoting it.
    static func expectNothingFromOutside(_ repository: SpecRepository) {
        #expect(!repository.resources.contains { $0.id.name == marker })
        for line in SpecHarness.lines(repository.diagnostics) {
            #expect(!line.contains(marker) && !line.contains("/etc") && !line.contains("/proc") && !line.contains("/tmp"), "\(line)")
        }
    }
}
