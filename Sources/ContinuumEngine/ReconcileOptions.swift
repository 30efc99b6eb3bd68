public import ContinuumApply
public import ContinuumSpec

/// What a reconciliation may do, the same for every front end.
public struct ReconcileOptions: Sendable {
    /// How operations run: parallelism, retries, timeouts, scheduling.
    public var apply: ApplyOptions
    /// Read the live state before planning (`--refresh`, default on).
    public var refresh: Bool
    /// Delete recorded resources gone from the spec (`--no-prune` turns it off).
    public var prune: Bool
    /// Refuse a plan that deletes or replaces more than this many resources (`--max-destroy`).
    public var maximumDestroys: Int?
    /// Correct drift found by the refresh (default); off, drift alone is only reported.
    public var correctDrift: Bool
    /// How long completed journal intents are kept (default 7 days).
    public var journalRetention: Duration = .seconds(7 * 24 * 3600)
    /// How many applies the history keeps (default 1,000).
    public var historyRetention: Int = 1000
    /// Resources an operator holds (suspended), with why: they and their dependents are
    /// left alone, as resources whose live state is unknown are.
    public var held: [ResourceID: String] = [:]

    /// Creates options.
    public init(apply: ApplyOptions = ApplyOptions(), refresh: Bool = true, prune: Bool = true, maximumDestroys: Int? = nil, correctDrift: Bool = true) {
        self.apply = apply
        self.refresh = refresh
        self.prune = prune
        self.maximumDestroys = maximumDestroys
        self.correctDrift = correctDrift
    }
}
