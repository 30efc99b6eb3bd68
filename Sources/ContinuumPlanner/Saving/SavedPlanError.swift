/// Why a saved plan cannot be read: what is wrong at which byte, and what to do.
public struct SavedPlanError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset in the file where reading stopped.
    public var offset: Int
    /// What is wrong.
    public var problem: String
    /// What to do about it.
    public var remedy: String

    /// Creates an error.
    public init(offset: Int, problem: String, remedy: String = SavedPlanError.planAgain) {
        self.offset = offset
        self.problem = problem
        self.remedy = remedy
    }

    /// The usual remedy: a damaged or foreign file is replaced by a new plan.
    public static let planAgain = "write the plan again with `continuum plan --out FILE`"

    public var description: String { "at byte \(offset): \(problem); \(remedy)" }
}
