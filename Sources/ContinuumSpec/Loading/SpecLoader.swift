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
        let scanner = RepositoryScanner(limits: limits)
        let files: [String]
        switch scanner.specFiles(under: root) {
        case .success(let list): files = list
        case .failure(let error): return SpecRepository(resources: [], rejected: [], fileCount: 0, diagnostics: error.diagnostics)
        }
        var isDirectory: ObjCBool = false
        FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory)
        let base = isDirectory.boolValue ? root : root.deletingLastPathComponent()
        let limits = self.limits
        let results = await withTaskGroup(of: (Int, FileResult).self) { group in
            for (index, file) in files.enumerated() {
                group.addTask {
                    (index, Self.loadFile(base.appendingPathComponent(file), relativePath: file, limits: limits))
                }
            }
            var results = [FileResult](repeating: FileResult(), count: files.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
        return Self.merge(results, fileCount: files.count)
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

    static func loadFile(_ url: URL, relativePath: String, limits: LoaderLimits) -> FileResult {
        let start = SourceLocation(file: relativePath, line: 1, column: 1)
        if let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int, size > limits.maximumFileSize {
            return FileResult(diagnostics: [Diagnostic(at: start, "file is \(size) bytes, over the limit of \(limits.maximumFileSize) bytes; split it into smaller files")])
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            return FileResult(diagnostics: [Diagnostic(at: start, "cannot read the file; check that it exists and is readable")])
        }
        return decode([UInt8](data), relativePath: relativePath, limits: limits)
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
        var firstByID: [ResourceID: Resource] = [:]
        var resources: [Resource] = []
        for resource in results.flatMap(\.resources) {
            if let first = firstByID[resource.id] {
                diagnostics.append(Diagnostic(at: resource.location, "\(resource.id) is defined twice; the first definition is at \(first.location). Identities (Kind/name) are unique in a repository"))
                continue
            }
            firstByID[resource.id] = resource
            resources.append(resource)
        }
        resources.sort { $0.id < $1.id }
        return SpecRepository(resources: resources, rejected: results.flatMap(\.rejected), fileCount: fileCount, diagnostics: diagnostics)
    }
}
