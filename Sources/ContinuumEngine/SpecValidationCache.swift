public import ContinuumSpec

/// What the last load of a spec repository parsed and validated, so that the next load of
/// it (the next commit) re-parses only the files that changed and, when the change edits
/// values without touching any identity, reference, provider, cluster or bare-metal node,
/// re-validates only the edited resources instead of the whole repository.
///
/// A cache belongs to one catalog: the validation it keeps was checked against that
/// catalog's operator configuration.
public struct SpecValidationCache: Sendable {
    /// The files' parse results.
    public internal(set) var files = SpecLoadCache()
    /// The specs the last load validated; nil when it failed.
    var validated: ValidatedSpecs?
    /// Whether cluster expansion left the validated resources as they were loaded (no
    /// cluster on a machine provider), so that the loaded resources are the validated ones.
    var unexpanded = false
    /// The positions, in the last load's resources, of the only resources that can differ
    /// from those of the load before it, when it re-validated only what changed; nil when it
    /// validated in full (every position may differ). What `Planner.replan` takes as
    /// `edited`, for a memo planned from the previous load's specs.
    public internal(set) var editedPositions: [Int]?

    /// An empty cache: the first load parses and validates everything.
    public init() {}
}
