import Foundation

/// Loads a spec repository from disk: lists its files, parses each (in parallel across
/// cores), decodes every document into a typed `Resource`, and reports duplicate ids.
///
/// Spec files come from whoever can merge into the repository, so reading them is bounded:
/// links are refused, never followed; only regular files are read, each up to
/// `LoaderLimits.maximumFileSize`, all of them up to `LoaderLimits.maximumTotalBytes`.
public struct SpecLoader: Sendable {
    /// The limits applied to files and documents.
    public var limits: LoaderLimits

    /// Creates a loader.
    public init(limits: LoaderLimits = .default) {
        self.limits = limits
    }

    /// Loads the repository at `root` (a directory, or a single file).
    public func load(_ root: URL) async -> SpecRepository {
        await load(root, reusing: SpecLoadCache()).repository
    }

    /// Loads the repository at `root`, parsing only the files whose content differs from
    /// what `cache` holds for their path; returns the repository (equal to a full load's)
    /// and the cache for the next load.
    ///
    /// No link below `root` is followed and nothing but a regular file is read (see
    /// `RepositoryScanner` and `SpecFileReader`); each read stops at
    /// `limits.maximumFileSize`, and the files past `limits.maximumTotalBytes` are not read.
    ///
    /// - Parameter changedFiles: when the caller knows it (a Git tree diff between the tree
    ///   `cache` was filled from and the one at `root`), the only files, relative to `root`,
    ///   whose content may differ from what `cache` holds: every other file `cache` has is
    ///   reused without being read (it is still `lstat`ed: a link or a special file in its
    ///   place is refused, and the byte budget is counted as always). Nil: each file's stamp
    ///   and digest tell.
    public func load(_ root: URL, reusing cache: SpecLoadCache, changedFiles: Set<String>? = nil) async -> (repository: SpecRepository, cache: SpecLoadCache) {
        let listing: RepositoryListing
        switch RepositoryScanner(limits: limits).scan(root) {
        case .success(let found): listing = found
        case .failure(let error): return (SpecRepository(resources: [], rejected: [], fileCount: 0, diagnostics: error.diagnostics), SpecLoadCache())
        }
        let files = listing.files
        let limits = self.limits
        let previous = cache.entries
        let now = FileStamp.now()
        // Every file's stamp first (lstat: nothing read, no link followed), so that the
        // total budget is counted in path order, as a full load counts it, before any file
        // is read. Then a file is read only when its stamp moved, and parsed only when its
        // digest is new.
        let statuses = await Self.inBatches(files.count) { index in
            SpecFileReader.status(of: listing.path(of: files[index]), limit: limits.maximumFileSize)
        }
        let budget = Self.budget(statuses, files: files, limit: limits.maximumTotalBytes)
        let loaded = await Self.inBatches(files.count) { index in
            if index >= budget.cutoff { return LoadedFile.refused(index == budget.cutoff ? budget.diagnostics : []) }
            let file = files[index]
            return Self.loadFile(
                listing.path(of: file), relativePath: file, status: statuses[index], limits: limits, previous: previous[file], now: now,
                unchanged: changedFiles.map { !$0.contains(file) } ?? false)
        }
        var next = SpecLoadCache()
        var changed: [Int] = []
        for (index, (file, loadedFile)) in zip(files, loaded).enumerated() {
            if let entry = loadedFile.entry { next.entries[file] = entry }
            if loadedFile.read { next.readFiles += 1 }
            if loadedFile.refused {
                next.refusedFiles += 1
                changed.append(index)
            } else if loadedFile.parsed {
                next.parsedFiles += 1
                changed.append(index)
            } else {
                next.reusedFiles += 1
            }
        }
        let results = loaded.map(\.result)
        let patched = listing.refused.isEmpty ? Self.patch(cache, files: files, changed: changed, results) : nil
        let repository = patched?.repository ?? Self.merge(results, fileCount: files.count, refused: listing.refused)
        next.files = files
        next.merged = repository
        next.patchedPositions = patched?.replaced
        return (repository, next)
    }

    /// The previous load's repository with the re-parsed files' resources put in place,
    /// when that is exactly what a full merge would give: the same files, a previous load
    /// without problems, and `changed` files (re-parsed or refused) that define the same
    /// resources as before (edits of values, not of identities) without problems. Nil
    /// otherwise. Each resource's position is found by binary search (the resources are
    /// sorted by id), so no index of 100,000 positions is built or kept.
    static func patch(_ cache: SpecLoadCache, files: [String], changed: [Int], _ results: [FileResult]) -> (repository: SpecRepository, replaced: [Int])? {
        guard var repository = cache.merged, cache.files == files, repository.diagnostics.isEmpty, repository.rejected.isEmpty else { return nil }
        var replaced: [Int] = []
        for index in changed {
            let result = results[index]
            guard result.diagnostics.isEmpty, result.rejected.isEmpty, let old = cache.entries[files[index]]?.result,
                old.resources.map(\.id) == result.resources.map(\.id)
            else { return nil }
            for resource in result.resources {
                guard let position = position(of: resource.id, in: repository.resources) else { return nil }
                repository.resources[position] = resource
                replaced.append(position)
            }
        }
        return (repository, replaced)
    }

    /// The position of `id` in resources sorted by id, if it is there.
    static func position(of id: ResourceID, in resources: [Resource]) -> Int? {
        var low = 0, high = resources.count
        while low < high {
            let middle = (low + high) / 2
            if resources[middle].id < id { low = middle + 1 } else { high = middle }
        }
        return low < resources.count && resources[low].id == id ? low : nil
    }

    /// Loads in-memory files (path relative to a root, and bytes), for tests and tools.
    public func load(files: [(path: String, bytes: [UInt8])]) -> SpecRepository {
        let sorted = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return Self.merge(sorted.map { Self.decode($0.bytes, relativePath: $0.path, limits: limits) }, fileCount: files.count)
    }

    struct FileResult: Sendable {
        var resources: [Resource] = []
        var rejected: [RejectedResource] = []
        var diagnostics: [Diagnostic] = []
    }

    /// One file as a load found it: its cache entry (nil when it could not be read, so
    /// there is nothing to reuse next time), its resources and problems, and whether it
    /// was read and parsed this time, or refused without being read or parsed.
    struct LoadedFile: Sendable {
        var entry: SpecLoadCache.Entry?
        var result: FileResult
        var read = true
        var parsed = true
        var refused = false

        /// A file refused (a link, not a regular file, over a limit, gone) with `diagnostics`.
        static func refused(_ diagnostics: [Diagnostic]) -> LoadedFile {
            LoadedFile(result: FileResult(diagnostics: diagnostics), read: false, parsed: false, refused: true)
        }
    }

    static func decode(_ bytes: [UInt8], relativePath: String, limits: LoaderLimits) -> FileResult {
        switch YAMLDocumentReader(limits: limits).documents(of: bytes, file: relativePath) {
        case .failure(let error):
            return FileResult(diagnostics: error.diagnostics)
        case .success(let documents):
            let context = DecodingContext()
            let decoder = ResourceDocumentDecoder()
            var result = FileResult()
            for document in documents {
                switch decoder.decode(document, context: context) {
                case .valid(let resource): result.resources.append(resource)
                case .rejected(let rejected): result.rejected.append(rejected)
                case .unidentified: break
                }
            }
            result.diagnostics = context.diagnostics
            return result
        }
    }

    static func merge(_ results: [FileResult], fileCount: Int, refused: [Diagnostic] = []) -> SpecRepository {
        var diagnostics = refused + results.flatMap(\.diagnostics)
        var firstLocation: [ResourceID: SourceLocation] = [:]
        var resources: [Resource] = []
        resources.reserveCapacity(results.reduce(0) { $0 + $1.resources.count })
        firstLocation.reserveCapacity(resources.capacity)
        for result in results {
            for resource in result.resources {
                if let first = firstLocation[resource.id] {
                    diagnostics.append(Diagnostic(at: resource.location, "\(resource.id) is defined twice; the first definition is at \(first). Identities (Kind/name) are unique in a repository"))
                    continue
                }
                firstLocation[resource.id] = resource.location
                resources.append(resource)
            }
        }
        // Sort the ids with their positions, then move each resource once: resources are
        // large values, and sorting them in place moved them many times (2 s of a 100,000
        // resource load).
        let order = resources.indices.map { (resources[$0].id, $0) }.sorted { $0.0 < $1.0 }.map(\.1)
        return SpecRepository(resources: order.map { resources[$0] }, rejected: results.flatMap(\.rejected), fileCount: fileCount, diagnostics: diagnostics)
    }
}
