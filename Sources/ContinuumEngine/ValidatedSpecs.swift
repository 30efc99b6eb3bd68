public import ContinuumGraph
import ContinuumKubernetes
public import ContinuumSpec
public import Foundation

/// A spec repository that loaded without errors, with its dependency graph: what the
/// planner needs. `load` runs every check `continuum validate` runs: the files, the
/// fields, cluster expansion, references and cycles, and each provider's config through
/// its factory in the catalog.
public struct ValidatedSpecs: Sendable {
    /// The loaded repository.
    public var repository: SpecRepository
    /// Its dependency graph.
    public var graph: ResourceGraph

    /// The desired resources.
    public var resources: [Resource] { repository.resources }

    /// Creates validated specs from a repository and its graph (already checked).
    public init(repository: SpecRepository, graph: ResourceGraph) {
        self.repository = repository
        self.graph = graph
    }

    /// Loads and checks the spec repository at `url`.
    /// - Throws: `DiagnosticsError` with every problem found, sorted by location.
    public static func load(_ url: URL, catalog: ProviderCatalog) async throws(DiagnosticsError) -> ValidatedSpecs {
        var cache = SpecLoadCache()
        return try await load(url, catalog: catalog, cache: &cache)
    }

    /// Loads and checks the spec repository at `url`, parsing only the files whose content
    /// differs from `cache`, which is updated for the next load (the next commit).
    /// `changedFiles`: the only files that may differ from those `cache` was filled from,
    /// when a Git tree diff tells (see `SpecLoader.load(_:reusing:changedFiles:)`).
    /// - Throws: `DiagnosticsError` with every problem found, sorted by location.
    public static func load(_ url: URL, catalog: ProviderCatalog, cache: inout SpecLoadCache, changedFiles: Set<String>? = nil) async throws(DiagnosticsError) -> ValidatedSpecs {
        let loaded = await SpecLoader().load(url, reusing: cache, changedFiles: changedFiles)
        cache = loaded.cache
        var repository = loaded.repository
        let (expanded, expansionDiagnostics) = ClusterExpander().expand(repository.resources)
        repository.resources = expanded
        let (graph, graphDiagnostics) = GraphBuilder().build(repository.resources, rejected: repository.rejected)
        let diagnostics = (repository.diagnostics + expansionDiagnostics + graphDiagnostics + catalog.diagnostics(for: repository.resources)).sorted()
        guard diagnostics.isEmpty else { throw DiagnosticsError(diagnostics) }
        return ValidatedSpecs(repository: repository, graph: graph)
    }

    /// The specs of only the providers: what `destroy` plans against, so that every other
    /// recorded resource counts as gone.
    public var providersOnly: ValidatedSpecs {
        var repository = self.repository
        repository.resources = repository.resources.filter { $0.id.kind == .provider }
        return ValidatedSpecs(repository: repository, graph: GraphBuilder().build(repository.resources).graph)
    }
}
