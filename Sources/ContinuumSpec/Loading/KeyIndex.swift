/// The keys of one mapping, in source order, found by a linear scan while the mapping is
/// small and through a dictionary once it is not: the usual mapping of a few keys hashes
/// nothing (hashing every key into a dictionary per mapping was a third of parsing and
/// decoding a spec repository), and a mapping of 100,000 keys is not quadratic.
struct KeyIndex {
    /// Up to this many keys are scanned; past it, they are hashed.
    static let scanLimit = 16

    /// The keys, in the order they were added.
    private(set) var keys: [String] = []
    /// The position of each key's first occurrence, once there are more than `scanLimit`.
    private var positions: [String: Int]?

    /// The position of `key`'s first occurrence, if it was added.
    func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return keys.firstIndex(of: key)
    }

    /// Adds `key` at the next position.
    mutating func append(_ key: String) {
        keys.append(key)
        if positions != nil {
            if positions?[key] == nil { positions?[key] = keys.count - 1 }
        } else if keys.count > Self.scanLimit {
            var table: [String: Int] = [:]
            table.reserveCapacity(keys.count * 2)
            for (position, key) in keys.enumerated() where table[key] == nil { table[key] = position }
            positions = table
        }
    }
}
