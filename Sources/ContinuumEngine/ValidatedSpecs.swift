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

    /// The `Provider` resources alone: what the provider registry and the recorded
    /// providers are made from, found through the graph's ids without visiting (and
    /// copying) the 100,000 resources around them.
    public var providers: [Resource] {
        graph.ids.indices.filter { graph.ids[$0].kind == .provider }.map { repository.resources[$0] }
    }

    /// Creates validated specs from a repository and its graph (already checked).
    public init(repository: SpecRepository, graph: ResourceGraph) {
        self.repository = repository
        self.graph = graph
    }

    /// Loads and checks the spec repository at `url`.
    /// - Throws: `DiagnosticsError` with every problem found, sorted by location.
    public static func load(_ url: URL, catalog: ProviderCatalog) async throws(DiagnosticsError) -> ValidatedSpecs {
        var cache = SpecValidationCache()
        return try await load(url, catalog: catalog, cache: &cache)
    }

    /// Loads and checks the spec repository at `url`, parsing only the files whose content
    /// differs from `cache`, and re-validating only the resources they define when their
    /// edits change values, not the graph (see `SpecValidationCache`); `cache` is updated
    /// for the next load (the next commit). The result equals a full load's.
    /// `changedFiles`: the only files that may differ from those `cache` was filled from,
    /// when a Git tree diff tells (see `SpecLoader.load(_:reusing:changedFiles:)`).
    /// - Throws: `DiagnosticsError` with every problem found, sorted by location.
    public static func load(_ url: URL, catalog: ProviderCatalog, cache: inout SpecValidationCache, changedFiles: Set<String>? = nil) async throws(DiagnosticsError) -> ValidatedSpecs {
        let previous = cache
        // Until this load validates, `cache` holds no validated specs: a rejected load is
        // not the base of the next one.
        cache = SpecValidationCache()
        let loaded = await SpecLoader().load(url, reusing: previous.files, changedFiles: changedFiles)
        cache.files = loaded.cache
        if let validated = previous.validated, let replaced = loaded.cache.patchedPositions,
            let revalidated = revalidated(validated, unexpanded: previous.unexpanded, as: loaded.repository, replaced: replaced) {
            cache.validated = revalidated.specs
            cache.unexpanded = previous.unexpanded
            cache.editedPositions = revalidated.edited
            return revalidated.specs
        }
        var repository = loaded.repository
        let expander = ClusterExpander()
        let unexpanded = !expander.expands(repository.resources)
        var expansionDiagnostics: [Diagnostic] = []
        if !unexpanded { (repository.resources, expansionDiagnostics) = expander.expand(repository.resources) }
        let (graph, graphDiagnostics) = GraphBuilder().build(repository.resources, rejected: repository.rejected)
        let diagnostics = (repository.diagnostics + expansionDiagnostics + graphDiagnostics + catalog.diagnostics(for: repository.resources)).sorted()
        guard diagnostics.isEmpty else { throw DiagnosticsError(diagnostics) }
        let specs = ValidatedSpecs(repository: repository, graph: graph)
        cache.validated = specs
        cache.unexpanded = unexpanded
        return specs
    }

    /// `previous` with the `replaced` resources of `repository` (the loader's patch of
    /// `previous`'s load: the same files and ids, those positions re-parsed) put in place,
    /// when that is what a full validation of `repository` gives: every edited resource keeps
    /// its references (so the graph's edges, dangling references, foreign networks, cycles
    /// and tenancy are unchanged) and is not a provider (the catalog checks them); an edited
    /// cluster keeps its pools' selectors and an edited bare-metal node its labels and
    /// opt-in, and neither is in a fleet where clusters expand into machines. Nil otherwise. Returns the specs and the positions of the edited resources.
    static func revalidated(_ previous: ValidatedSpecs, unexpanded: Bool, as repository: SpecRepository, replaced: [Int]) -> (specs: ValidatedSpecs, edited: [Int])? {
        guard repository.diagnostics.isEmpty, repository.rejected.isEmpty, previous.repository.rejected.isEmpty else { return nil }
        var graph = previous.graph
        var edited: [(position: Int, resource: Resource)] = []
        for position in replaced {
            let resource = repository.resources[position]
            guard let index = graph.indexByID[resource.id] else { return nil }
            let old = previous.resources[index]
            if old == resource { continue }
            guard keepsTheGraph(old, resource, unexpanded: unexpanded),
                graph.relocateEdges(of: index, to: resource.references, selectedAt: resource.id.kind == .kubernetesCluster ? resource.location : nil)
            else { return nil }
            edited.append((index, resource))
        }
        let positions = edited.map(\.position).sorted()
        if unexpanded {
            // Expansion would leave them as they are: the loaded resources are the validated ones.
            guard repository.resources.count == previous.resources.count else { return nil }
            return (ValidatedSpecs(repository: repository, graph: graph), positions)
        }
        var next = repository
        next.resources = previous.resources
        for (position, resource) in edited { next.resources[position] = resource }
        return (ValidatedSpecs(repository: next, graph: graph), positions)
    }

    /// Whether `new`, an edit of `old`, leaves every check beyond its own fields (which its
    /// file's parse made) as it was: see `revalidated`. `unexpanded`: no cluster is on a
    /// machine provider, so no cluster expands and no node joins one.
    static func keepsTheGraph(_ old: Resource, _ new: Resource, unexpanded: Bool) -> Bool {
        guard old.id == new.id, old.owner == nil, new.owner == nil, old.location.file == new.location.file,
            old.references.count == new.references.count,
            zip(old.references, new.references).allSatisfy({ $0.target == $1.target && $0.origin == $1.origin })
        else { return false }
        switch new.id.kind {
        case .provider:
            // The catalog checks providers against the operator's connections.
            return false
        case .kubernetesCluster:
            // Its pools select nodes (edges, refusals, tenancy); on a machine provider it expands.
            return unexpanded && old.nodeSelectors == new.nodeSelectors
        case .bareMetalNode:
            // Pools select it by its labels and its opt-in; a pool on a machine provider rewrites it.
            return unexpanded && old.metadata.labels == new.metadata.labels && NodePoolMembership.optedCluster(of: old) == NodePoolMembership.optedCluster(of: new)
        case .network, .virtualMachine:
            return true
        }
    }

    /// The specs of only the providers: what `destroy` plans against, so that every other
    /// recorded resource counts as gone.
    public var providersOnly: ValidatedSpecs {
        var repository = self.repository
        repository.resources = repository.resources.filter { $0.id.kind == .provider }
        return ValidatedSpecs(repository: repository, graph: GraphBuilder().build(repository.resources).graph)
    }
}
