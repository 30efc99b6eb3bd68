/// A deterministic random number generator (SplitMix64) keyed by strings, so that one
/// call's latency and failure depend on the seed and the call, not on scheduling order.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    /// A generator for the call described by `parts` under `seed`.
    init(seed: UInt64, _ parts: String...) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            hash ^= 0xff
            hash &*= 0x0000_0100_0000_01b3
        }
        state = seed ^ hash
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
