public import ContinuumSpec

/// One provider operation of a plan, a node of the plan's DAG. A replace is two steps.
public struct PlanStep: Sendable, Hashable, Codable {
    /// What the step does to the resource.
    public typealias Operation = ResourceOperation

    /// The step's index in `Plan.steps`.
    public var index: Int
    /// The resource.
    public var resource: ResourceID
    /// The operation.
    public var operation: Operation
    /// The indices of the steps that must finish first, ascending.
    public var dependsOn: [Int]

    /// Creates a step.
    public init(index: Int, resource: ResourceID, operation: Operation, dependsOn: [Int] = []) {
        self.index = index
        self.resource = resource
        self.operation = operation
        self.dependsOn = dependsOn
    }
}
