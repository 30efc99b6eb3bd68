import CLibGit2
import Foundation

/// One fetch and checkout with libgit2, on the source's queue. Owns every libgit2 object
/// it creates and frees them before returning.
struct GitSession {
    let options: GitSourceOptions
    /// What to check out: the tracked reference, or another one for a plan.
    var reference: GitReference
    /// Where checkouts go (below the cache directory), and how many are kept there.
    var checkouts = "checkouts"
    var keptCheckouts: Int
    /// Also fetch the forges' pull and merge request heads (for plans of them).
    var fetchesReviewRefs = false
    /// A commit to diff the fetched commit's tree against, for `GitRevision.changedFiles`;
    /// its checkout, when kept, is the base of an incremental checkout.
    var changesSince: String?

    init(options: GitSourceOptions) {
        self.options = options
        self.reference = options.reference
        self.keptCheckouts = options.keptCheckouts
    }

    private var repositoryPath: URL { options.cacheDirectory.appendingPathComponent("repository.git") }
    private var checkoutsPath: URL { options.cacheDirectory.appendingPathComponent(checkouts) }

    /// Fetches and checks out; returns the revision, and the old checkouts to delete once
    /// it is returned (see `prune`).
    func fetchAndCheckOut() throws(GitError) -> (revision: GitRevision, pruned: [URL]) {
        try withFetchedCommit { repository, commit, sha throws(GitError) in try checkOut(commit, sha: sha, repository: repository) }
    }

    /// Checks the fetched `commit` out (incrementally from the last checkout when it can).
    private func checkOut(_ commit: OpaquePointer, sha: String, repository: OpaquePointer) throws(GitError) -> (revision: GitRevision, pruned: [URL]) {
        let summary = git_commit_summary(commit).map { String(cString: $0) } ?? ""
        let tree = Self.sha(git_commit_tree_id(commit))
        let directory = checkoutsPath.appendingPathComponent(sha)
        var newTree: OpaquePointer?
        guard git_commit_tree(&newTree, commit) == 0, let newTree else {
            throw GitError(operation: "read the tree of commit \(sha.prefix(12))", message: git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "",
                remedy: "delete the cache directory to clone again")
        }
        defer { git_tree_free(newTree) }
        let diff = changesSince.flatMap { $0 == sha ? nil : TreeDiff(repository, from: $0, to: newTree) }
        if !FileManager.default.fileExists(atPath: directory.path) {
            let base = changesSince.map { checkoutsPath.appendingPathComponent($0) }
            try checkOut(commit, repository: repository, into: directory, incrementally: diff.flatMap { diff in base.map { ($0, diff, newTree) } })
        }
        let pruned = prune(keeping: directory)
        var specDirectory = directory
        var throughLink = false
        if let path = options.path, !path.isEmpty {
            specDirectory = directory.appendingPathComponent(path)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: specDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw GitError(operation: "use path \(path) of commit \(sha.prefix(12))", message: "no such directory in the commit",
                    remedy: "check --path against the repository's layout")
            }
            // A commit can make --path (or a directory on the way) a symbolic link to a host
            // directory: the specs must come from the checkout, nowhere else.
            guard let resolved = Self.realPath(specDirectory.path), let root = Self.realPath(directory.path), resolved == root || resolved.hasPrefix(root + "/") else {
                throw GitError(operation: "use path \(path) of commit \(sha.prefix(12))", message: "it leads out of the checkout through a symbolic link",
                    remedy: "commit the spec directory itself, not a link to it")
            }
            // A link inside the checkout: its files change under another path of the tree.
            // (Or a path written unusually, such as `a/../b`: then the files are simply all read.)
            throughLink = resolved != root + "/" + Self.trimmed(path)
        }
        var revision = GitRevision(commit: sha, summary: summary, directory: specDirectory, tree: tree)
        if let since = changesSince, !throughLink {
            revision.changedFiles = since == sha ? [] : diff?.files(under: options.path)
        }
        return (revision, pruned)
    }

    /// Fetches and returns the commit the reference names now, without checking it out; its
    /// signature is verified when signatures are required (an unsigned push pre-empts nothing).
    func fetchHead() throws(GitError) -> String {
        try withFetchedCommit { _, _, sha throws(GitError) in sha }
    }

    /// Fetches, and returns the full SHA of `commit` (full or abbreviated) when the tracked
    /// reference's commit is it or descends from it; nil when it does not (a pull request's
    /// head, another branch's commit). Review refs are not fetched for this.
    func commitOnReference(_ commit: String) throws(GitError) -> String? {
        try withFetchedCommit { repository, head, _ throws(GitError) in
            var candidate = self
            candidate.reference = .commit(commit)
            let object = try candidate.resolve(repository)
            defer { git_commit_free(object) }
            guard let headID = git_commit_id(head), let objectID = git_commit_id(object) else { return nil }
            guard git_oid_equal(headID, objectID) == 1 || git_graph_descendant_of(repository, headID, objectID) == 1 else { return nil }
            return Self.sha(objectID)
        }
    }

    /// Fetches, resolves the reference to its commit, verifies its signature when
    /// signatures are required, and calls `body` with the repository, the commit and its SHA.
    private func withFetchedCommit<T>(_ body: (OpaquePointer, OpaquePointer, String) throws(GitError) -> T) throws(GitError) -> T {
        git_libgit2_init()
        defer { git_libgit2_shutdown() }
        let callbacks = try GitRemoteCallbacks(options: options)
        let repository = try openOrClone(callbacks)
        defer { git_repository_free(repository) }
        try fetch(repository, callbacks)
        let commit = try resolve(repository)
        defer { git_commit_free(commit) }
        let sha = Self.sha(git_commit_id(commit))
        if let keyring = options.credentials.signingKeyringPath, let oid = git_commit_id(commit) {
            try SignatureVerifier(keyringPath: keyring).verify(oid, sha: sha, repository: repository)
        }
        return try body(repository, commit, sha)
    }

    private func openOrClone(_ callbacks: GitRemoteCallbacks) throws(GitError) -> OpaquePointer {
        var repository: OpaquePointer?
        if FileManager.default.fileExists(atPath: repositoryPath.path) {
            try check(git_repository_open_bare(&repository, repositoryPath.path), "open the cache \(repositoryPath.path)",
                remedy: "delete the cache directory to clone again")
            // A cache of another repository (the spec repository moved to another forge, or
            // another controller shared the directory) is dropped and cloned again from the
            // URL asked for: its objects and refs must never stand for this repository's.
            if let opened = repository, Self.originURL(of: opened) != options.url {
                git_repository_free(opened)
                repository = nil
                do {
                    try FileManager.default.removeItem(at: repositoryPath)
                    if FileManager.default.fileExists(atPath: checkoutsPath.path) { try FileManager.default.removeItem(at: checkoutsPath) }
                } catch {
                    throw GitError(operation: "replace the cache of another repository in \(options.cacheDirectory.path)", message: error.localizedDescription,
                        remedy: "check the cache directory's permissions, or give this repository a --cache-dir of its own")
                }
            }
        }
        if repository == nil {
            do {
                try FileManager.default.createDirectory(at: options.cacheDirectory, withIntermediateDirectories: true)
            } catch {
                throw GitError(operation: "create the cache \(options.cacheDirectory.path)", message: error.localizedDescription, remedy: "check the directory's permissions")
            }
            var cloneOptions = git_clone_options()
            git_clone_options_init(&cloneOptions, UInt32(GIT_CLONE_OPTIONS_VERSION))
            cloneOptions.bare = 1
            cloneOptions.fetch_opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL
            let status = callbacks.withCallbacks { remoteCallbacks in
                cloneOptions.fetch_opts.callbacks = remoteCallbacks
                return git_clone(&repository, options.url, repositoryPath.path, &cloneOptions)
            }
            if status != 0 { try? FileManager.default.removeItem(at: repositoryPath) }
            try check(status, "clone \(options.displayURL)", remedy: "check the URL, that the repository exists, and network access to it", callbacks: callbacks)
        }
        guard let repository else { throw GitError(operation: "open \(options.displayURL)", message: "libgit2 returned no repository", remedy: "report this") }
        return repository
    }

    /// `path` without leading `./` or slashes and trailing slashes.
    static func trimmed(_ path: String) -> String {
        var path = Substring(path)
        while path.hasPrefix("./") { path = path.dropFirst(2) }
        while path.hasPrefix("/") { path = path.dropFirst() }
        while path.hasSuffix("/") { path = path.dropLast() }
        return String(path)
    }

    /// The path with every symbolic link resolved; nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The URL the cached repository's `origin` remote fetches from; nil when it has none.
    static func originURL(of repository: OpaquePointer) -> String? {
        var remote: OpaquePointer?
        guard git_remote_lookup(&remote, repository, "origin") == 0, let remote else { return nil }
        defer { git_remote_free(remote) }
        return git_remote_url(remote).map { String(cString: $0) }
    }

    private func fetch(_ repository: OpaquePointer, _ callbacks: GitRemoteCallbacks) throws(GitError) {
        var remote: OpaquePointer?
        try check(git_remote_lookup(&remote, repository, "origin"), "find the remote of \(repositoryPath.path)", remedy: "delete the cache directory to clone again")
        defer { git_remote_free(remote) }
        var fetchOptions = git_fetch_options()
        git_fetch_options_init(&fetchOptions, UInt32(GIT_FETCH_OPTIONS_VERSION))
        fetchOptions.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL
        fetchOptions.prune = GIT_FETCH_PRUNE
        var refspecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"]
        // GitHub's pull requests and GitLab's merge requests, whose heads (from forks too)
        // are not branches of the repository.
        if fetchesReviewRefs { refspecs += ["+refs/pull/*/head:refs/pull/*/head", "+refs/merge-requests/*/head:refs/merge-requests/*/head"] }
        let status = callbacks.withCallbacks { remoteCallbacks in
            fetchOptions.callbacks = remoteCallbacks
            return Self.withStrArray(refspecs) { array in git_remote_fetch(remote, &array, &fetchOptions, "continuum fetch") }
        }
        try check(status, "fetch \(options.displayURL)", remedy: "check the URL, credentials and network access; the last fetched commit stays applied", callbacks: callbacks)
    }

    private func resolve(_ repository: OpaquePointer) throws(GitError) -> OpaquePointer {
        var object: OpaquePointer?
        let spec: String
        let what: String
        switch reference {
        case .branch(let name) where name.hasPrefix("refs/"): (spec, what) = ("\(name)^{commit}", "'\(name)'")
        case .branch(let name): (spec, what) = ("refs/heads/\(name)^{commit}", "branch '\(name)'")
        case .tag(let name): (spec, what) = ("refs/tags/\(name)^{commit}", "tag '\(name)'")
        case .commit(let sha): (spec, what) = ("\(sha)^{commit}", "commit \(sha)")
        }
        try check(git_revparse_single(&object, repository, spec), "find \(what) in \(options.displayURL)",
            remedy: "check --branch, --tag or --commit; `git ls-remote \(options.displayURL)` lists what exists")
        guard let object else { throw GitError(operation: "find \(what)", message: "libgit2 returned nothing", remedy: "report this") }
        return object
    }

    /// Checks `commit` out into `directory` through a staging directory; from the checkout
    /// `incrementally` names (a base directory, the diff from its commit, the new tree)
    /// when it is there and the diff can be applied exactly, else in full.
    private func checkOut(
        _ commit: OpaquePointer, repository: OpaquePointer, into directory: URL, incrementally: (base: URL, diff: TreeDiff, tree: OpaquePointer)? = nil
    ) throws(GitError) {
        let staging = checkoutsPath.appendingPathComponent(".staging-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        } catch {
            throw GitError(operation: "create \(staging.path)", message: error.localizedDescription, remedy: "check the cache directory's permissions")
        }
        var status: Int32 = 0
        if let (base, diff, tree) = incrementally, FileManager.default.fileExists(atPath: base.path),
            IncrementalCheckout(repository: repository, diff: diff).make(from: base, into: staging, newTree: tree) {
            status = 0
        } else {
            if incrementally != nil {
                // Whatever an attempt left is cleared: the full checkout starts empty.
                try? FileManager.default.removeItem(at: staging)
                try? FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
            }
            var checkoutOptions = git_checkout_options()
            git_checkout_options_init(&checkoutOptions, UInt32(GIT_CHECKOUT_OPTIONS_VERSION))
            checkoutOptions.checkout_strategy = GIT_CHECKOUT_FORCE.rawValue
            status = staging.path.withCString { path in
                checkoutOptions.target_directory = path
                return git_checkout_tree(repository, commit, &checkoutOptions)
            }
        }
        do {
            try check(status, "check out commit \(Self.sha(git_commit_id(commit)).prefix(12))", remedy: "check free disk space in the cache directory")
            // Publish the finished tree at once: readers never see a half-written checkout.
            try FileManager.default.moveItem(at: staging, to: directory)
        } catch let error as GitError {
            try? FileManager.default.removeItem(at: staging)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: staging)
            if !FileManager.default.fileExists(atPath: directory.path) {
                throw GitError(operation: "publish the checkout", message: error.localizedDescription, remedy: "check the cache directory")
            }
        }
    }

    /// Keeps the newest `keptCheckouts` checkouts (and the current one). The others are
    /// renamed out of the way at once (`.pruned-*`, which no reader looks for) and returned,
    /// to be deleted after the fetch returns (`delete`), off a new commit's way to its plan:
    /// deleting a checkout of thousands of files took as long as making one. What a stop
    /// left is returned again next time.
    private func prune(keeping current: URL) -> [URL] {
        let manager = FileManager.default
        guard let entries = try? manager.contentsOfDirectory(at: checkoutsPath, includingPropertiesForKeys: [.contentModificationDateKey]) else { return [] }
        var doomed = entries.filter { $0.lastPathComponent.hasPrefix(Self.prunedPrefix) }
        let checkouts = entries.filter { !$0.lastPathComponent.hasPrefix(".") && $0.lastPathComponent != current.lastPathComponent }
            .sorted { (a, b) in
                let da = (try? a.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
                let db = (try? b.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast
                return da > db
            }
        for old in checkouts.dropFirst(keptCheckouts - 1) {
            let aside = checkoutsPath.appendingPathComponent(Self.prunedPrefix + UUID().uuidString)
            if (try? manager.moveItem(at: old, to: aside)) != nil { doomed.append(aside) } else { try? manager.removeItem(at: old) }
        }
        return doomed
    }

    /// Deletes checkouts `prune` set aside.
    static func delete(_ doomed: [URL]) {
        for directory in doomed { try? FileManager.default.removeItem(at: directory) }
    }

    /// The name prefix of checkouts being deleted.
    static let prunedPrefix = ".pruned-"

    private func check(_ status: Int32, _ operation: String, remedy: String, callbacks: GitRemoteCallbacks? = nil) throws(GitError) {
        guard status < 0 else { return }
        let message = callbacks?.failure ?? git_error_last().flatMap { $0.pointee.message.map { String(cString: $0) } } ?? "libgit2 error \(status)"
        throw GitError(operation: operation, message: message, remedy: remedy)
    }

    static func sha(_ oid: UnsafePointer<git_oid>?) -> String {
        guard let oid else { return "" }
        var buffer = [CChar](repeating: 0, count: Int(GIT_OID_HEXSZ) + 1)
        git_oid_tostr(&buffer, buffer.count, oid)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func withStrArray<T>(_ strings: [String], _ body: (inout git_strarray) -> T) -> T {
        var pointers = strings.map { strdup($0) }
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeMutableBufferPointer { buffer in
            var array = git_strarray(strings: buffer.baseAddress, count: strings.count)
            return body(&array)
        }
    }
}
