import ContinuumGit
import ContinuumTesting
import Foundation
import Testing

/// The Git source against real repositories: `file://` and a `git daemon` on loopback.
@Suite("Git source (libgit2)")
struct GitSourceTests {
    private func read(_ revision: GitRevision, _ path: String) throws -> String {
        try String(contentsOf: revision.directory.appendingPathComponent(path), encoding: .utf8)
    }

    @Test func clonesThenFetchesNewCommitsIntoCleanCheckouts() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let first = try repository.commit(["a.yaml": "one"], message: "first")
        let source = GitSource(options: GitSourceOptions(url: repository.url, cacheDirectory: directory.url.appendingPathComponent("cache")))
        let revision = try await source.fetch()
        #expect(revision.commit == first)
        #expect(revision.summary == "first")
        #expect(try read(revision, "a.yaml") == "one")
        #expect(!FileManager.default.fileExists(atPath: revision.directory.appendingPathComponent(".git").path))

        let second = try repository.commit(["a.yaml": "two", "b.yaml": "new"], message: "second")
        let next = try await source.fetch()
        #expect(next.commit == second)
        #expect(try read(next, "a.yaml") == "two")
        #expect(try read(revision, "a.yaml") == "one", "an earlier checkout is never changed under a reader")
        #expect(try await source.fetch().commit == second, "fetching again without a new commit gives the same revision")
    }

    @Test func oldCheckoutsArePrunedAndTheNewestKept() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let source = GitSource(options: GitSourceOptions(url: repository.url, cacheDirectory: directory.url.appendingPathComponent("cache"), keptCheckouts: 2))
        var revisions: [GitRevision] = []
        for index in 0..<5 {
            try repository.commit(["a.yaml": "\(index)", "d/e/b.yaml": "b\(index)", "d/c.yaml": "c"], message: "commit \(index)")
            // Each made from the one before (hard links), as the controller makes them.
            revisions.append(try await source.fetch(changesSince: revisions.last?.commit))
        }
        // The checkouts set aside are deleted on the source's queue before its next operation.
        _ = try await source.head()
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("cache/checkouts").path)
        #expect(left.count == 2, "two kept, nothing set aside or left half-deleted: \(left)")
        #expect(left.contains(revisions[4].commit), "the current one is kept")
        #expect(Set(left).isSubset(of: revisions.map(\.commit)))
        #expect(try read(revisions[4], "d/e/b.yaml") == "b4")
        #expect(try read(revisions[4], "d/c.yaml") == "c", "a file linked through four checkouts is whole")
    }

    @Test func checkoutsLeftSetAsideByAStopAreDeletedByTheNextFetch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(["a.yaml": "a"])
        let source = GitSource(options: GitSourceOptions(url: repository.url, cacheDirectory: directory.url.appendingPathComponent("cache")))
        _ = try await source.fetch()
        // What a process stopped between setting a checkout aside and deleting it leaves.
        _ = try directory.write("cache/checkouts/.pruned-left/d/x.yaml", "x")
        try repository.commit(["a.yaml": "b"])
        _ = try await source.fetch()
        _ = try await source.head()
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.url.appendingPathComponent("cache/checkouts").path)
        #expect(!left.contains(".pruned-left"), "\(left)")
        #expect(left.count == 2)
    }

    @Test func removedFilesAreGoneFromTheNextCheckout() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(["a.yaml": "a", "b.yaml": "b"])
        let source = GitSource(options: GitSourceOptions(url: repository.url, cacheDirectory: directory.url.appendingPathComponent("cache")))
        _ = try await source.fetch()
        try repository.commit([:], removing: ["b.yaml"])
        let revision = try await source.fetch()
        #expect(!FileManager.default.fileExists(atPath: revision.directory.appendingPathComponent("b.yaml").path))
    }

    @Test func tracksTagsBranchesAndPinnedCommits() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        let tagged = try repository.commit(["a.yaml": "v1"])
        try repository.git("tag", "v1.0")
        try repository.git("checkout", "--quiet", "-b", "staging")
        let staging = try repository.commit(["a.yaml": "staging"])
        try repository.git("checkout", "--quiet", "main")
        let latest = try repository.commit(["a.yaml": "v2"])
        func fetch(_ reference: GitReference) async throws -> GitRevision {
            try await GitSource(options: GitSourceOptions(url: repository.url, reference: reference, cacheDirectory: directory.url.appendingPathComponent("cache-\(reference)"))).fetch()
        }
        #expect(try await fetch(.branch("main")).commit == latest)
        #expect(try await fetch(.branch("staging")).commit == staging)
        #expect(try await fetch(.tag("v1.0")).commit == tagged)
        #expect(try await fetch(.commit(tagged)).commit == tagged)
        #expect(try await fetch(.commit(String(tagged.prefix(10)))).commit == tagged)
    }

    @Test func theTreeDiffNamesTheChangedSpecFiles() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(["specs/a.yaml": "a", "specs/b.yaml": "b", "specs/deep/c.yaml": "c", "specs/d.yaml": "d", "README.md": "one"])
        let source = GitSource(options: GitSourceOptions(url: repository.url, path: "specs", cacheDirectory: directory.url.appendingPathComponent("cache")))
        let first = try await source.fetch()
        #expect(first.changedFiles == nil, "not asked")
        try repository.commit(["specs/a.yaml": "a2", "specs/deep/e.yaml": "e", "README.md": "two"], removing: ["specs/b.yaml"])
        let second = try await source.fetch(changesSince: first.commit)
        #expect(second.changedFiles == ["a.yaml", "b.yaml", "deep/e.yaml"], "edited, deleted and added files below the spec path, relative to it")
        #expect(try await source.fetch(changesSince: second.commit).changedFiles == [], "the same commit: nothing changed")
        #expect(try await source.fetch(changesSince: String(repeating: "0", count: 40)).changedFiles == nil, "an unknown commit: not known")

        // A file turned into a link is a change (the loader then refuses it).
        try repository.git("rm", "--quiet", "specs/d.yaml")
        try FileManager.default.createSymbolicLink(atPath: repository.directory.appendingPathComponent("specs/d.yaml").path, withDestinationPath: "a.yaml")
        try repository.commit([:])
        let linked = try await source.fetch(changesSince: second.commit)
        #expect(linked.changedFiles == ["d.yaml"])
        // A .gitattributes can change how unchanged files are checked out: not known.
        try repository.commit([".gitattributes": "*.yaml text eol=crlf\n"])
        #expect(try await source.fetch(changesSince: linked.commit).changedFiles == nil)
    }

    /// Every entry below `root`: a file's bytes and whether it is executable, a link's target, a directory.
    private func snapshot(_ root: URL) throws -> [String: String] {
        var entries: [String: String] = [:]
        let manager = FileManager.default
        for case let path as String in manager.enumerator(atPath: root.path) ?? FileManager.DirectoryEnumerator() {
            let full = root.appendingPathComponent(path).path
            let attributes = try manager.attributesOfItem(atPath: full)
            switch attributes[.type] as? FileAttributeType {
            case .typeSymbolicLink: entries[path] = "link " + (try manager.destinationOfSymbolicLink(atPath: full))
            case .typeDirectory: entries[path] = "directory"
            default:
                let executable = ((attributes[.posixPermissions] as? Int ?? 0) & 0o100) != 0
                entries[path] = (executable ? "executable " : "file ") + (try String(contentsOfFile: full, encoding: .utf8))
            }
        }
        return entries
    }

    @Test func anIncrementalCheckoutIsAFullCheckoutAndLeavesTheOldOneAlone() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(["specs/a.yaml": "a", "specs/gone/b.yaml": "b", "specs/c": "c", "specs/d/e.yaml": "e", "tool.sh": "#!/bin/sh\n", "keep.yaml": "k"])
        let source = GitSource(options: GitSourceOptions(url: repository.url, cacheDirectory: directory.url.appendingPathComponent("cache")))
        var previous = try await source.fetch()
        let edits: [() throws -> Void] = [
            { try repository.commit(["specs/a.yaml": "a2", "specs/new/f.yaml": "f"], removing: ["specs/gone/b.yaml"]) },
            {
                // A file becomes a directory and a directory a file; a script turns executable; a link appears.
                try repository.git("rm", "--quiet", "-r", "specs/c", "specs/d")
                try repository.commit(["specs/c/inner.yaml": "inner", "specs/d": "now a file"])
                try repository.git("update-index", "--chmod=+x", "tool.sh")
                try FileManager.default.createSymbolicLink(atPath: repository.directory.appendingPathComponent("specs/link.yaml").path, withDestinationPath: "a.yaml")
                try repository.commit([:])
            },
            { try repository.commit([:], removing: ["specs/new"]) },
        ]
        for (index, edit) in edits.enumerated() {
            let before = try snapshot(previous.directory)
            try edit()
            let next = try await source.fetch(changesSince: previous.commit)
            let fresh = try await GitSource(options: GitSourceOptions(url: repository.url, cacheDirectory: directory.url.appendingPathComponent("fresh-\(index)"))).fetch()
            #expect(next.commit == fresh.commit)
            #expect(try snapshot(next.directory) == snapshot(fresh.directory), "edit \(index): the same tree as a full checkout")
            #expect(try snapshot(previous.directory) == before, "edit \(index): the earlier checkout is unchanged")
            let inode = { (url: URL) in try FileManager.default.attributesOfItem(atPath: url.appendingPathComponent("keep.yaml").path)[.systemFileNumber] as? Int }
            #expect(try inode(next.directory) == inode(previous.directory), "edit \(index): an unchanged file is linked, not written again")
            previous = next
        }
    }

    @Test func aSpecPathReachedThroughALinkHasNoTreeDiff() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(["real/a.yaml": "a"])
        try FileManager.default.createSymbolicLink(atPath: repository.directory.appendingPathComponent("specs").path, withDestinationPath: "real")
        try repository.commit([:])
        let source = GitSource(options: GitSourceOptions(url: repository.url, path: "specs", cacheDirectory: directory.url.appendingPathComponent("cache")))
        let first = try await source.fetch()
        try repository.commit(["real/a.yaml": "a2"])
        let second = try await source.fetch(changesSince: first.commit)
        #expect(try read(second, "a.yaml") == "a2")
        #expect(second.changedFiles == nil, "the files change under another path of the tree: every file is read")
    }

    @Test func aSubPathIsTheSpecDirectory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(["infra/edge/a.yaml": "edge", "README.md": "docs"])
        let revision = try await GitSource(options: GitSourceOptions(url: repository.url, path: "infra/edge", cacheDirectory: directory.url.appendingPathComponent("cache"))).fetch()
        #expect(try read(revision, "a.yaml") == "edge")
        let missing = GitSource(options: GitSourceOptions(url: repository.url, path: "nope", cacheDirectory: directory.url.appendingPathComponent("cache2")))
        await #expect(throws: GitError.self) { try await missing.fetch() }
    }

    @Test func unknownBranchesAndRepositoriesAreClearErrors() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(["a.yaml": "a"])
        do {
            _ = try await GitSource(options: GitSourceOptions(url: repository.url, reference: .branch("mian"), cacheDirectory: directory.url.appendingPathComponent("c1"))).fetch()
            Issue.record("an unknown branch was found")
        } catch {
            #expect(error.description.hasPrefix("git: cannot find branch 'mian' in file://"))
            #expect(error.description.contains("check --branch, --tag or --commit"))
        }
        do {
            _ = try await GitSource(options: GitSourceOptions(url: "file:///nonexistent/repo.git", cacheDirectory: directory.url.appendingPathComponent("c2"))).fetch()
            Issue.record("a missing repository was cloned")
        } catch {
            #expect(error.description.hasPrefix("git: cannot clone file:///nonexistent/repo.git"))
        }
    }

    @Test func fetchesOverTheGitProtocolFromARealDaemon() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url.appendingPathComponent("served"))
        let first = try repository.commit(["a.yaml": "one"])
        let daemon = try GitDaemon(base: directory.url.appendingPathComponent("served"))
        defer { daemon.stop() }
        let source = GitSource(options: GitSourceOptions(url: daemon.url("specs"), cacheDirectory: directory.url.appendingPathComponent("cache")))
        #expect(try await source.fetch().commit == first)
        let second = try repository.commit(["a.yaml": "two"])
        let revision = try await source.fetch()
        #expect(revision.commit == second)
        #expect(try read(revision, "a.yaml") == "two")
    }

    @Test func aSubPathThatLinksOutOfTheCheckoutIsRefused() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let repository = try GitFixture(in: directory.url)
        try repository.commit(["a.yaml": "a"])
        try FileManager.default.createSymbolicLink(atPath: repository.directory.appendingPathComponent("specs").path, withDestinationPath: "/etc")
        _ = try repository.git("add", "specs")
        _ = try repository.git("commit", "-q", "-m", "specs are /etc")
        let source = GitSource(options: GitSourceOptions(url: repository.url, path: "specs", cacheDirectory: directory.url.appendingPathComponent("cache")))
        let error = await #expect(throws: GitError.self) { try await source.fetch() }
        #expect(error?.description.contains("it leads out of the checkout through a symbolic link") == true, "\(String(describing: error))")
    }

    @Test func aCacheOfAnotherRepositoryIsReplacedNotFetched() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let old = try GitFixture(in: directory.url.appendingPathComponent("served"), name: "old")
        let oldCommit = try old.commit(["a.yaml": "old forge"])
        let daemon = try GitDaemon(base: directory.url.appendingPathComponent("served"))
        let cache = directory.url.appendingPathComponent("cache")
        #expect(try await GitSource(options: GitSourceOptions(url: daemon.url("old"), cacheDirectory: cache)).fetch().commit == oldCommit)
        daemon.stop()  // the old forge is gone

        let moved = try GitFixture(in: directory.url, name: "moved")
        let newCommit = try moved.commit(["a.yaml": "new forge", "b.yaml": "only here"])
        let revision = try await GitSource(options: GitSourceOptions(url: moved.url, cacheDirectory: cache)).fetch()
        #expect(revision.commit == newCommit, "the source follows the URL it is given, not the cache's remote")
        #expect(try read(revision, "a.yaml") == "new forge")
        #expect(try read(revision, "b.yaml") == "only here")
        let pinned = GitSource(options: GitSourceOptions(url: moved.url, reference: .commit(oldCommit), cacheDirectory: cache))
        await #expect(throws: GitError.self, "a commit of the old repository is not found in the new one's cache") { try await pinned.fetch() }
    }

    @Test func credentialsInTheURLNeverReachMessages() {
        let options = GitSourceOptions(url: "https://deploy:s3cret@git.example/specs.git", cacheDirectory: URL(fileURLWithPath: "/tmp"))
        #expect(options.displayURL == "https://git.example/specs.git")
    }
}
