import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// Hostile YAML is refused with a clear error: bounded alias expansion, bounded nesting,
/// invalid UTF-8 and oversized files.
@Suite("Hostile input")
struct HostileInputTests {
    @Test func billionLaughsIsAnError() {
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            lines.append("a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]")
        }
        let repository = SpecHarness.load(["bomb.yaml": lines.joined(separator: "\n")])
        #expect(repository.diagnostics.count == 1)
        #expect(repository.diagnostics.first.map { $0.message.contains("expands to more than") && $0.message.contains("aliases") } == true)
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let repository = SpecHarness.load(["deep.yaml": "spec: " + deep])
        #expect(repository.diagnostics.first?.message.contains("nesting too deep") == true)
        #expect(repository.diagnostics.first?.location?.file == "deep.yaml")
    }

    @Test func nestingBeyondTheLoaderDepthIsAnError() {
        let nested = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        let repository = SpecHarness.load(["deep.yaml": nested])
        #expect(repository.diagnostics.first?.message.contains("nesting deeper than 64 levels") == true)
    }

    @Test func invalidUTF8NamesItsLineAndColumn() {
        var bytes = Array("apiVersion: continuum.dev/v1\nkind: Net".utf8)
        bytes += [0xff, 0xfe]
        let repository = SpecLoader().load(files: [("bad.yaml", bytes)])
        #expect(SpecHarness.lines(repository.diagnostics) == [
            "bad.yaml:2:10: error: invalid UTF-8 at this position; spec files must be UTF-8 text"
        ])
    }

    @Test func oversizedFilesAreRefusedBeforeParsing() {
        let limits = LoaderLimits(maximumFileSize: 1024)
        let repository = SpecHarness.load(["big.yaml": String(repeating: "# padding\n", count: 200)], limits: limits)
        #expect(repository.diagnostics.first?.message.contains("over the limit of 1024 bytes") == true)
    }

    @Test func oversizedFilesOnDiskAreRefusedBeforeReading() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let file = try directory.write("big.yaml", "")
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 17 << 20)
        try handle.close()
        let repository = await SpecLoader().load(directory.url)
        #expect(SpecHarness.lines(repository.diagnostics) == [
            "big.yaml:1:1: error: file is 17825792 bytes, over the limit of 16777216 bytes; split it into smaller files"
        ])
    }

    @Test func aDocumentThatIsNotAMappingIsAnError() {
        let repository = SpecHarness.load(["a.yaml": "- just\n- a list\n"])
        #expect(SpecHarness.lines(repository.diagnostics) == ["a.yaml:1:1: error: expected a mapping, got a list"])
    }

    @Test func undefinedAliasesAreAnError() {
        let repository = SpecHarness.load(["a.yaml": "a: *nothing\n"])
        #expect(repository.diagnostics.first?.message.contains("undefined anchor") == true)
    }

    @Test func malformedYAMLNamesTheLine() {
        let repository = SpecHarness.load(["a.yaml": "kind: Network\nmetadata: {name: x\nspec: 1\n"])
        #expect(repository.diagnostics.first?.location?.file == "a.yaml")
        #expect(repository.diagnostics.first?.message.hasPrefix("invalid YAML") == true)
    }
}
