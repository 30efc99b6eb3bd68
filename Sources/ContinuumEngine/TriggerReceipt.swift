/// The answer to a trigger (`POST /api/v1/reconcile`, `continuum reconcile`): its number and
/// what becomes of it. The status's `triggers.handled` reaches the number once a fetch
/// answered the trigger.
public struct TriggerReceipt: Sendable, Codable, Hashable {
    /// Always true: the trigger was recorded.
    public var triggered: Bool
    /// The trigger's number, counting from 1 since the controller started.
    public var trigger: Int
    /// What becomes of it: fetching now, after the running fetch, or after a backoff.
    public var message: String

    /// Creates a receipt.
    public init(trigger: Int, message: String) {
        self.triggered = true
        self.trigger = trigger
        self.message = message
    }
}
