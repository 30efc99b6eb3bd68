import ContinuumSpec

/// Writes a plan in the saved plan format (`SavedPlanFormat`), streamed: the bytes go to
/// `sink` in chunks of about 64 KiB as the records are encoded, so a plan of 100,000
/// resources never exists as one encoded document in memory.
public struct SavedPlanWriter {
    /// Receives the encoded bytes, in order; its errors stop the writing and are rethrown.
    public typealias Sink = (UnsafeRawBufferPointer) throws -> Void

    private var buffer: [UInt8] = []
    private var strings: [String: Int] = [:]
    private var checksum = FNV1a64()
    private let sink: Sink
    private static let chunk = 1 << 16

    /// Creates a writer that hands its bytes to `sink`.
    public init(sink: @escaping Sink) {
        self.sink = sink
        buffer.reserveCapacity(Self.chunk + 4096)
    }

    /// Writes `plan` whole, then flushes.
    /// - Throws: whatever `sink` throws.
    public static func write(_ plan: Plan, to sink: @escaping Sink) throws {
        var writer = SavedPlanWriter(sink: sink)
        try writer.write(plan)
    }

    /// Writes `plan` whole, then flushes.
    /// - Throws: whatever the sink throws.
    public mutating func write(_ plan: Plan) throws {
        buffer.append(contentsOf: SavedPlanFormat.magic)
        unsigned(SavedPlanFormat.version)
        unsigned(plan.formatVersion)
        signed(Int(plan.stateSerial))
        optionalString(plan.stateLineage)
        unsigned(plan.unchangedCount)
        if let position = plan.journalPosition {
            buffer.append(1)
            signed(Int(position))
        } else {
            buffer.append(0)
        }
        unsigned(plan.unsettledIntents)
        for count in [plan.summary.add, plan.summary.change, plan.summary.replace, plan.summary.destroy] { unsigned(count) }
        unsigned(plan.changes.count)
        unsigned(plan.steps.count)
        for change in plan.changes {
            record(.change)
            self.change(change)
            try flushIfFull()
        }
        for change in plan.providerChanges {
            record(.providerChange)
            self.change(change)
            try flushIfFull()
        }
        for step in plan.steps {
            record(.step)
            unsigned(step.index)
            id(step.resource)
            string(step.operation.rawValue)
            unsigned(step.dependsOn.count)
            var previous = 0
            for index in step.dependsOn {
                signed(index - previous)
                previous = index
            }
            try flushIfFull()
        }
        for orphan in plan.orphans {
            record(.orphan)
            id(orphan)
        }
        for held in plan.held {
            record(.held)
            id(held.id)
            string(held.reason)
        }
        record(.end)
        buffer.withUnsafeBytes { checksum.combine($0) }
        var sum = checksum.value
        for _ in 0..<8 {
            buffer.append(UInt8(truncatingIfNeeded: sum))
            sum >>= 8
        }
        try buffer.withUnsafeBytes { try sink($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func flushIfFull() throws {
        guard buffer.count >= Self.chunk else { return }
        try buffer.withUnsafeBytes { bytes in
            checksum.combine(bytes)
            try sink(bytes)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func record(_ tag: SavedPlanFormat.Tag) { buffer.append(tag.rawValue) }

    private mutating func change(_ change: ResourceChange) {
        id(change.id)
        string(change.action.rawValue)
        optionalString(change.replaceOrder?.rawValue)
        string(change.provider)
        optionalString(change.previousProvider)
        unsigned(change.reasons.count)
        for reason in change.reasons { string(reason) }
        unsigned(change.fieldChanges.count)
        for field in change.fieldChanges {
            string(field.path.text)
            optionalValue(field.before)
            optionalValue(field.after)
            buffer.append(field.forcesReplacement ? 1 : 0)
        }
        optionalValue(change.spec)
        unsigned(change.dependencies.count)
        for dependency in change.dependencies { id(dependency) }
        if let owner = change.owner {
            buffer.append(1)
            id(owner)
        } else {
            buffer.append(0)
        }
    }

    private mutating func optionalValue(_ value: FieldValue?) {
        guard let value else { return buffer.append(0) }
        buffer.append(1)
        self.value(value)
    }

    private mutating func value(_ value: FieldValue) {
        typealias Tag = SavedPlanFormat.ValueTag
        switch value {
        case .string(let text):
            buffer.append(Tag.string.rawValue)
            string(text)
        case .integer(let number):
            buffer.append(Tag.integer.rawValue)
            signed(number)
        case .number(let number):
            buffer.append(Tag.number.rawValue)
            var bits = number.bitPattern
            for _ in 0..<8 {
                buffer.append(UInt8(truncatingIfNeeded: bits))
                bits >>= 8
            }
        case .boolean(let flag):
            buffer.append(flag ? Tag.trueBoolean.rawValue : Tag.falseBoolean.rawValue)
        case .quantity(let quantity):
            buffer.append(Tag.quantity.rawValue)
            string(quantity.codingText)
        case .reference(let reference):
            buffer.append(Tag.reference.rawValue)
            id(reference)
        case .template(let template):
            buffer.append(Tag.template.rawValue)
            string(template.codingText)
        case .secret(.fromEnv(let name)):
            buffer.append(Tag.secretFromEnv.rawValue)
            string(name)
        case .secret(.fromFile(let path)):
            buffer.append(Tag.secretFromFile.rawValue)
            string(path)
        case .list(let items):
            buffer.append(Tag.list.rawValue)
            unsigned(items.count)
            for item in items { self.value(item) }
        case .map(let entries):
            buffer.append(Tag.map.rawValue)
            unsigned(entries.count)
            for entry in entries {
                string(entry.key)
                self.value(entry.value)
            }
        case .unknown:
            buffer.append(Tag.unknown.rawValue)
        }
    }

    private mutating func id(_ id: ResourceID) { string(id.description) }

    private mutating func optionalString(_ text: String?) {
        guard let text else { return buffer.append(0) }
        buffer.append(1)
        string(text)
    }

    /// A table reference to `text`, or its definition the first time.
    private mutating func string(_ text: String) {
        if let index = strings[text] {
            unsigned(index + 1)
            return
        }
        strings[text] = strings.count
        buffer.append(0)
        var text = text
        text.withUTF8 { bytes in
            unsigned(bytes.count)
            buffer.append(contentsOf: bytes)
        }
    }

    private mutating func signed(_ value: Int) {
        unsigned(UInt((value << 1) ^ (value >> (Int.bitWidth - 1))))
    }

    private mutating func unsigned(_ value: Int) { unsigned(UInt(bitPattern: value)) }

    private mutating func unsigned(_ value: UInt) {
        var rest = value
        while rest >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        buffer.append(UInt8(rest))
    }
}
