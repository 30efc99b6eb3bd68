#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Loads a spec repository from disk: lists its files, parses each (in parallel across
/// cores), decodes every document into a typed `Resource`, and reports duplicate ids.
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
    public func load(_ root: URL, reusing cache: SpecLoadCache) async -> (repository: SpecRepository, cache: SpecLoadCache) {
        let scanner = RepositoryScanner(limits: limits)
        let files: [String]
        switch scanner.specFiles(under: root) {
        case .success(let list): files = list
        case .failure(let error): return (SpecRepository(resources: [], rejected: [], fileCount: 0, diagnostics: error.diagnostics), SpecLoadCache())
        }
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory)
        let base = isDirectory.boolValue ? root : root.deletingLastPathComponent()
        let basePath = base.path.hasSuffix("/") ? base.path : base.path + "/"
        let limits = self.limits
        let previous = cache.entries
        let now = FileStamp.now()
        // Files are checked in batches, one task per batch, so that 100,000 small files do
        // not make 100,000 tasks; a file is read only when its stamp moved, and parsed only
        // when its digest is new.
        let batch = max(1, files.count / (ProcessInfo.processInfo.activeProcessorCount * 8))
        let loaded = await withTaskGroup(of: (start: Int, files: [LoadedFile]).self) { group in
            for start in stride(from: 0, to: files.count, by: batch) {
                group.addTask {
                    (start, files[start..<min(start + batch, files.count)].map { file in
                        Self.loadFile(basePath + file, relativePath: file, limits: limits, previous: previous[file], now: now)
                    })
                }
            }
            var results = [LoadedFile](repeating: LoadedFile(result: FileResult()), count: files.count)
            for await part in group { results.replaceSubrange(part.start..<part.start + part.files.count, with: part.files) }
            return results
        }
        var next = SpecLoadCache()
        var reparsed: [Int] = []
        for (index, (file, loadedFile)) in zip(files, loaded).enumerated() {
            if let entry = loadedFile.entry { next.entries[file] = entry }
            if loadedFile.read { next.readFiles += 1 }
            if loadedFile.parsed {
                next.parsedFiles += 1
                reparsed.append(index)
            } else {
                next.reusedFiles += 1
            }
        }
        let results = loaded.map(\.result)
        let patched = Self.patch(cache, files: files, reparsed: reparsed, results)
        let repository = patched?.repository ?? Self.merge(results, fileCount: files.count)
        next.files = files
        next.merged = repository
        next.patchedPositions = patched?.replaced
        return (repository, next)
    }

    /// The previous load's repository with the re-parsed files' resources put in place,
    /// when that is exactly what a full merge would give: the same files, a previous load
    /// without problems, and re-parsed files that define the same resources as before
    /// (edits of values, not of identities) without problems. Nil otherwise. Each
    /// resource's position is found by binary search (the resources are sorted by id),
    /// so no index of 100,000 positions is built or kept.
    static func patch(_ cache: SpecLoadCache, files: [String], reparsed: [Int], _ results: [FileResult]) -> (repository: SpecRepository, replaced: [Int])? {
        guard var repository = cache.merged, cache.files == files, repository.diagnostics.isEmpty, repository.rejected.isEmpty else { return nil }
        var replaced: [Int] = []
        for index in reparsed {
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
    /// was read and parsed this time.
    struct LoadedFile: Sendable {
        var entry: SpecLoadCache.Entry?
        var result: FileResult
        var read = true
        var parsed = true
    }

    /// Reads and parses one file, or reuses `previous` when its stamp shows it untouched
    /// or its content is the same; `now` is when this load started.
    static func loadFile(_ path: String, relativePath: String, limits: LoaderLimits, previous: SpecLoadCache.Entry?, now: Int64) -> LoadedFile {
        let start = SourceLocation(file: relativePath, line: 1, column: 1)
        var status = stat()
        let stamp = stat(path, &status) == 0 ? FileStamp(status) : nil
        if let stamp, stamp.size > limits.maximumFileSize {
            return LoadedFile(result: FileResult(diagnostics: [Diagnostic(at: start, "file is \(stamp.size) bytes, over the limit of \(limits.maximumFileSize) bytes; split it into smaller files")]))
        }
        if let previous, let stamp, previous.stamp == stamp, !stamp.isRacy(hashedAt: previous.hashedAt) {
            return LoadedFile(entry: previous, result: previous.result, read: false, parsed: false)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return LoadedFile(result: FileResult(diagnostics: [Diagnostic(at: start, "cannot read the file; check that it exists and is readable")]))
        }
        let bytes = [UInt8](data)
        let digest = SpecLoadCache.digest(bytes)
        if var previous, previous.size == bytes.count, previous.digest == digest {
            previous.stamp = stamp
            previous.hashedAt = now
            return LoadedFile(entry: previous, result: previous.result, parsed: false)
        }
        let result = decode(bytes, relativePath: relativePath, limits: limits)
        return LoadedFile(entry: SpecLoadCache.Entry(size: bytes.count, digest: digest, result: result, stamp: stamp, hashedAt: now), result: result)
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

    static func merge(_ results: [FileResult], fileCount: Int) -> SpecRepository {
        var diagnostics = results.flatMap(\.diagnostics)
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
