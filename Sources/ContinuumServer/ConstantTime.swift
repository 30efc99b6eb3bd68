/// Comparisons whose time does not depend on where the inputs differ, for secrets.
enum ConstantTime {
    /// Whether `given` equals `expected`, comparing every byte whatever the lengths, so
    /// timing tells nothing of the secret but (at most) its length.
    static func equals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in 0..<max(given.count, expected.count) {
            difference |= (index < given.count ? given[index] : 0) ^ (index < expected.count ? expected[index] : 0xff)
        }
        return difference == 0
    }
}
