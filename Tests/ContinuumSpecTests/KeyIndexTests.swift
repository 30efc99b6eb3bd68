@testable import ContinuumSpec
import Testing

/// A mapping's keys are found by scanning while few and by hashing once many, with the same
/// answers either way: the first occurrence of each key.
@Suite("Key index")
struct KeyIndexTests {
    @Test(arguments: [0, 1, KeyIndex.scanLimit, KeyIndex.scanLimit + 1, 200])
    func findsTheFirstOccurrenceOfEveryKey(count: Int) {
        var index = KeyIndex()
        let keys = (0..<count).map { "key-\($0 % max(1, count / 2 + 1))" }
        for key in keys { index.append(key) }
        for key in Set(keys) { #expect(index.position(of: key) == keys.firstIndex(of: key), "\(key) of \(count)") }
        #expect(index.position(of: "absent") == nil)
        #expect(index.keys == keys)
    }
}
