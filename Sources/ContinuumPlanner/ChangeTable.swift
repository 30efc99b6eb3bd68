/// Each resource's change by position, stored in chunks that copies share: a copy with a few
/// changes replaced copies only their chunks. A re-plan of one edit in 100,000 resources
/// then neither copies nor releases 100,000 changes (a copy of a flat array, and its
/// release, took a third of such a re-plan). It also keeps the positions of the changes
/// that are not no-ops, so that a plan is assembled from those alone.
struct ChangeTable: Sendable, Equatable {
    private static let shift = 10
    private static let mask = (1 << shift) - 1

    private var chunks: [[ResourceChange?]]
    /// How many positions.
    let count: Int
    /// The positions whose change is not nil and not a no-op, ascending, as of the last
    /// `settle()`.
    private(set) var planned: [Int] = []
    /// How many positions hold a change (nil is a provider's).
    private(set) var decided = 0
    /// The positions set since the last `settle()`.
    private var touched: [Int] = []

    /// A table of `count` positions, none decided.
    init(count: Int) {
        self.count = count
        let chunkCount = (count + Self.mask) >> Self.shift
        chunks = (0..<chunkCount).map { chunk in
            [ResourceChange?](repeating: nil, count: min(Self.mask + 1, count - (chunk << Self.shift)))
        }
    }

    /// The change at `position`. Setting it counts it in `decided` at once, and in
    /// `planned` at the next `settle()`.
    subscript(position: Int) -> ResourceChange? {
        _read { yield chunks[position >> Self.shift][position & Self.mask] }
        set {
            if self[position] != nil { decided -= 1 }
            if newValue != nil { decided += 1 }
            chunks[position >> Self.shift][position & Self.mask] = newValue
            touched.append(position)
        }
    }

    /// Brings `planned` up to date with the positions set since the last call.
    mutating func settle() {
        guard !touched.isEmpty else { return }
        func isPlanned(_ position: Int) -> Bool { self[position].map { $0.action != .noop } ?? false }
        // A whole plan set every position: one pass over them is cheaper than a set of them.
        guard touched.count < count / 4 else {
            touched = []
            planned = (0..<count).filter(isPlanned)
            return
        }
        let settled = Set(touched)
        touched = []
        planned = (planned.filter { !settled.contains($0) } + settled.filter(isPlanned)).sorted()
    }

    static func == (lhs: ChangeTable, rhs: ChangeTable) -> Bool {
        lhs.count == rhs.count && lhs.chunks == rhs.chunks
    }
}
