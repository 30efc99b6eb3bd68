public import ContinuumGraph
import ContinuumKubernetes
public import ContinuumSpec
public import Foundation

/// A spec repository that loaded without errors, with its dependency graph: what the
/// planner needs. `load` runs every check `continuum validate` runs.
public struct ValidatedSpecs: Sendable {
    /// The loaded repository.
    public var repository: SpecRepository
    /// Its dependency graph.
    public var graph: ResourceGraph

    /// The desired resources.
    public var resources: [Resource] { repository.resources }

    /// Loads and checks the spec repository at `url`.
    /// - Throws: `DiagnosticsError` with every problem found, sorted by location.
    public static func load(_ url: URL) async throws(DiagnosticsError) -> ValidatedSpecs {
        var cache = SpecLoadCache()
        return try await load(url, cache: &cache)
    }

    /// Loads and checks the spec repository at `url`, parsing only the files whose content
    /// differs from `cache`, which is updated for the next load (the next commit).
    /// - Throws: `DiagnosticsError` with every problem found, sorted by location.
    public static func load(_ url: URL, cache: inout SpecLoadCache) async throws(DiagnosticsError) -> ValidatedSpecs {
        let loaded = await SpecLoader().load(url, reusing: cache)
        cache = loaded.cache
        var repository = loaded.repository
        let (expanded, expansionDiagnostics) = ClusterExpander().expand(repository.resources)
        repository.resources = expanded
        let (graph, graphDiagnostics) = GraphBuilder().build(repository.resources, rejected: repository.rejected)
        let diagnostics = (repository.diagnostics + expansionDiagnostics + graphDiagnostics + ProviderSetup.diagnostics(for: repository.resources)).sorted()
        guard diagnostics.isEmpty else { throw DiagnosticsError(diagnostics) }
        return ValidatedSpecs(repository: repository, graph: graph)
    }
}
