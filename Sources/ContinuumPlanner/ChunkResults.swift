import Synchronization

/// The results of chunks computed on several threads, each written once by its own chunk,
/// read in chunk order once all are done (`Planner`'s parallel diff).
final class ChunkResults<Value: Sendable>: Sendable {
    private let parts: Mutex<[[Value]]>

    init(count: Int) {
        parts = Mutex(Array(repeating: [], count: count))
    }

    func set(_ chunk: Int, _ values: [Value]) {
        parts.withLock { $0[chunk] = values }
    }

    func joined() -> [Value] {
        parts.withLock { $0.flatMap { $0 } }
    }
}
