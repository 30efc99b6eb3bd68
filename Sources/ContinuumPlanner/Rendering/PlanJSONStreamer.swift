import Foundation

/// Writes a plan as JSON, streamed: the document's outer object is written by hand and
/// each element of its arrays (changes, steps...) is encoded on its own and handed to
/// the sink at once, so a plan of 100,000 resources never exists as one encoded
/// document. The bytes are those `PlanJSONCoder.encode` gives (sorted keys), compact or
/// pretty-printed.
public struct PlanJSONStreamer {
    /// Receives the encoded bytes, in order; its errors stop the writing and are rethrown.
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    /// Whether to pretty-print (two-space indentation, `"key" : value`), as
    /// `PlanJSONCoder.encode(_:pretty:)` does with `pretty: true`.
    public var pretty: Bool

    /// Creates a streamer.
    public init(pretty: Bool) {
        self.pretty = pretty
    }

    /// Writes `plan` and a final newline to `sink`, in chunks of about 64 KiB.
    /// - Throws: an encoding error, or what `sink` throws.
    public func write(_ plan: Plan, to sink: @escaping Sink) throws {
        var output = Output(sink: sink, encoder: PlanJSONCoder.encoder(pretty: pretty), pretty: pretty)
        let writer = output.writer
        // The keys in the order `.sortedKeys` gives; optional members as `Plan.encode` leaves them out.
        output.raw(pretty ? "{\n" : "{")
        try output.array("changes", plan.changes, first: true, fast: writer.change)
        try output.member("formatVersion", plan.formatVersion)
        if !plan.held.isEmpty { try output.array("held", plan.held) }
        if let position = plan.journalPosition { try output.member("journalPosition", position) }
        try output.array("orphans", plan.orphans)
        if !plan.providerChanges.isEmpty { try output.array("providerChanges", plan.providerChanges, fast: writer.change) }
        if let lineage = plan.stateLineage { try output.member("stateLineage", lineage) }
        try output.member("stateSerial", plan.stateSerial)
        try output.array("steps", plan.steps, fast: writer.step)
        try output.member("summary", plan.summary)
        try output.member("unchangedCount", plan.unchangedCount)
        if plan.unsettledIntents > 0 { try output.member("unsettledIntents", plan.unsettledIntents) }
        output.raw(pretty ? "\n}\n" : "}\n")
        try output.flush()
    }

    /// The buffer between the encoder and the sink.
    private struct Output {
        let sink: Sink
        let encoder: JSONEncoder
        let pretty: Bool
        let writer: PlanJSONWriter
        var buffer: [UInt8] = []

        init(sink: @escaping Sink, encoder: JSONEncoder, pretty: Bool) {
            self.sink = sink
            self.encoder = encoder
            self.pretty = pretty
            self.writer = PlanJSONWriter(fallback: encoder)
            buffer.reserveCapacity(1 << 17)
        }

        mutating func raw(_ text: String) { buffer.append(contentsOf: text.utf8) }

        mutating func key(_ name: String, first: Bool) {
            if !first { raw(pretty ? ",\n" : ",") }
            raw(pretty ? "  \"\(name)\" : " : "\"\(name)\":")
        }

        mutating func member(_ name: String, _ value: some Encodable, first: Bool = false) throws {
            key(name, first: first)
            encoded(try encoder.encode(value), indent: 2)
        }

        /// An array member; compact elements through `fast` when given (`PlanJSONWriter`).
        mutating func array<Item: Encodable>(
            _ name: String, _ items: [Item], first: Bool = false, fast: ((Item, inout [UInt8]) throws -> Void)? = nil
        ) throws {
            guard !items.isEmpty else { return try member(name, items, first: first) }
            key(name, first: first)
            raw(pretty ? "[\n" : "[")
            for (index, item) in items.enumerated() {
                if index > 0 { raw(pretty ? ",\n" : ",") }
                if pretty { raw("    ") }
                if !pretty, let fast {
                    try fast(item, &buffer)
                } else {
                    encoded(try encoder.encode(item), indent: 4)
                }
                if buffer.count >= 1 << 16 { try flush() }
            }
            raw(pretty ? "\n  ]" : "]")
        }

        /// Appends an encoded value, indented by `indent` spaces after each line break when
        /// pretty-printing (blank lines, as in an empty array, stay blank).
        mutating func encoded(_ data: Data, indent: Int) {
            guard pretty else { return buffer.append(contentsOf: data) }
            var previous: UInt8 = 0
            for byte in data {
                if previous == UInt8(ascii: "\n"), byte != UInt8(ascii: "\n") { buffer.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent)) }
                buffer.append(byte)
                previous = byte
            }
        }

        mutating func flush() throws {
            try buffer.withUnsafeBytes { try sink($0) }
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
