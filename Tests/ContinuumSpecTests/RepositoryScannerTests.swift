import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

@Suite("Spec repository scanning")
struct RepositoryScannerTests {
    @Test func readsYAMLRecursivelyInPathOrderSkippingDotDirectoriesAndIgnoredPaths() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for path in ["b.yaml", "a/z.yml", "a/b/c.yaml", ".git/x.yaml", ".github/ci.yaml", "vendor/v.yaml", "notes.txt", "keep/skip.yaml", "keep/ok.yaml", "drafts/wip.yaml"] {
            try directory.write(path, "")
        }
        try directory.write(".continuumignore", "# generated\nvendor/\n/keep/skip.yaml\n*.yml\n!a/z.yml\ndrafts\n")
        let files = try RepositoryScanner().specFiles(under: directory.url).get()
        #expect(files == ["a/b/c.yaml", "a/z.yml", "b.yaml", "keep/ok.yaml"])
    }

    @Test func aMissingPathIsAClearError() {
        let result = RepositoryScanner().specFiles(under: URL(fileURLWithPath: "/nonexistent/specs"))
        guard case .failure(let error) = result else {
            Issue.record("expected an error")
            return
        }
        #expect(error.description.contains("no such file or directory"))
    }

    @Test func tooManyFilesIsAnError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for index in 0..<5 { try directory.write("f\(index).yaml", "") }
        let result = RepositoryScanner(limits: LoaderLimits(maximumFiles: 3)).specFiles(under: directory.url)
        #expect(throws: DiagnosticsError.self) { try result.get() }
    }

    @Test func symlinkLoopsDoNotHangTheScan() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try directory.write("a/x.yaml", "")
        try FileManager.default.createSymbolicLink(atPath: directory.url.appendingPathComponent("a/loop").path, withDestinationPath: directory.path)
        let listing = try RepositoryScanner().scan(directory.url).get()
        #expect(listing.files == ["a/x.yaml"])
        #expect(listing.refused.map { $0.location?.file } == ["a/loop"], "the link is refused, not followed")
    }

    @Test(arguments: [
        ("*.yaml", "a/b.yaml", false, true), ("/a", "a", true, true), ("/a", "b/a", true, false), ("a/**/c", "a/x/y/c", false, true),
        ("a/**/c", "a/c", false, true), ("[abc].yaml", "b.yaml", false, true), ("[!abc].yaml", "b.yaml", false, false),
        ("dir/", "dir", false, false), ("dir/", "dir", true, true), ("?.yaml", "ab.yaml", false, false), ("\\#x", "#x", false, true),
    ])
    func ignorePatterns(_ pattern: String, _ path: String, _ isDirectory: Bool, _ ignored: Bool) {
        #expect(IgnoreRules(parsing: pattern).isIgnored(path, isDirectory: isDirectory) == ignored)
    }

    @Test func theLastMatchingPatternWins() {
        let rules = IgnoreRules(parsing: "*.yaml\n!keep.yaml\n")
        #expect(rules.isIgnored("drop.yaml", isDirectory: false))
        #expect(!rules.isIgnored("keep.yaml", isDirectory: false))
    }

    @Test func loadingFromDiskGivesTheSameResultAsInMemory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let files = ["providers.yaml": SpecSamples.provider(), "net/fra.yaml": SpecSamples.file(SpecSamples.network(), SpecSamples.virtualMachine())]
        for (path, text) in files { try directory.write(path, text) }
        let fromDisk = await SpecLoader().load(directory.url)
        let inMemory = SpecHarness.load(files)
        #expect(fromDisk.resources == inMemory.resources)
        #expect(fromDisk.fileCount == 2)
        #expect(fromDisk.resources.map(\.id.description) == ["Provider/de-fra-cloud", "Network/fra-edge", "VirtualMachine/web-1"].sorted { ResourceID(parsing: $0)! < ResourceID(parsing: $1)! })
    }
}
