import ContinuumSpec

/// Reads a plan written by `SavedPlanWriter`. Every count, length and string reference is
/// checked against what the file holds, values nest at most `SavedPlanFormat.maximumDepth`
/// deep, and the checksum must match, so a truncated, damaged or hostile file is refused
/// with a `SavedPlanError`, never half read. (Whether the plan matches the specs it is
/// applied with is checked afterwards, by the engine.)
public struct SavedPlanReader {
    private let bytes: [UInt8]
    private var offset = 0
    private var strings: [String] = []
    private var ids: [ResourceID?] = []

    /// Creates a reader of a whole file's bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The plan in `bytes`.
    /// - Throws: `SavedPlanError` when the bytes are not a whole, undamaged saved plan of
    ///   a version this Continuum reads.
    public static func read(_ bytes: [UInt8]) throws(SavedPlanError) -> Plan {
        var reader = SavedPlanReader(bytes: bytes)
        return try reader.read()
    }

    /// Reads the plan.
    /// - Throws: `SavedPlanError`.
    public mutating func read() throws(SavedPlanError) -> Plan {
        guard SavedPlanFormat.isSavedPlan(bytes) else { throw fail("the file is not a saved plan of Continuum") }
        try verifyChecksum()
        offset = SavedPlanFormat.magic.count
        let version = try unsigned()
        guard version <= SavedPlanFormat.version else {
            throw SavedPlanError(offset: offset, problem: "the saved plan has format version \(version), made by a newer Continuum than this one (\(SavedPlanFormat.version))",
                remedy: "plan and apply with the same version of Continuum")
        }
        let formatVersion = try unsigned()
        let serial = try signed()
        let lineage = try optionalString()
        let unchanged = try unsigned()
        let journalPosition = try flag() ? Int64(try signed()) : nil
        let unsettled = try unsigned()
        var summary = PlanSummary([])
        summary.add = try unsigned()
        summary.change = try unsigned()
        summary.replace = try unsigned()
        summary.destroy = try unsigned()
        let changeCount = try count()
        let stepCount = try count()
        var changes: [ResourceChange] = []
        changes.reserveCapacity(changeCount)
        var steps: [PlanStep] = []
        steps.reserveCapacity(stepCount)
        var providerChanges: [ResourceChange] = []
        var orphans: [ResourceID] = []
        var held: [HeldResource] = []
        recordLoop: while true {
            let at = offset
            guard let tag = SavedPlanFormat.Tag(rawValue: try byte()) else { throw SavedPlanError(offset: at, problem: "unknown record type") }
            switch tag {
            case .end: break recordLoop
            case .change: changes.append(try change())
            case .providerChange: providerChanges.append(try change())
            case .step: steps.append(try step())
            case .orphan: orphans.append(try id())
            case .held: held.append(HeldResource(id: try id(), reason: try string()))
            }
        }
        guard offset == bytes.count - 8 else { throw fail("bytes follow the end of the plan") }
        try Self.verifySteps(steps, at: offset)
        var plan = Plan(stateSerial: Int64(serial), stateLineage: lineage, changes: changes, steps: steps, orphans: orphans, unchangedCount: unchanged, held: held,
            providerChanges: providerChanges)
        plan.formatVersion = formatVersion
        plan.summary = summary
        plan.journalPosition = journalPosition
        plan.unsettledIntents = unsettled
        return plan
    }

    /// Step `i` has index `i` and waits only for earlier steps, in ascending order: the
    /// executor relies on it.
    private static func verifySteps(_ steps: [PlanStep], at offset: Int) throws(SavedPlanError) {
        for (position, step) in steps.enumerated() {
            guard step.index == position else { throw SavedPlanError(offset: offset, problem: "step \(position) says it is step \(step.index)") }
            var previous = -1
            for index in step.dependsOn {
                guard index > previous, index < position else {
                    throw SavedPlanError(offset: offset, problem: "step \(position) waits for step \(index), which is not an earlier step")
                }
                previous = index
            }
        }
    }

    private func verifyChecksum() throws(SavedPlanError) {
        guard bytes.count >= SavedPlanFormat.magic.count + 9 else { throw SavedPlanError(offset: bytes.count, problem: "the saved plan ends early (the file is truncated)") }
        var checksum = FNV1a64()
        bytes.withUnsafeBytes { checksum.combine(UnsafeRawBufferPointer(rebasing: $0[..<(bytes.count - 8)])) }
        var stored: UInt64 = 0
        for (shift, byte) in bytes.suffix(8).enumerated() { stored |= UInt64(byte) << (8 * UInt64(shift)) }
        guard stored == checksum.value else {
            throw SavedPlanError(offset: bytes.count - 8, problem: "the saved plan's checksum does not match its content (the file is truncated or damaged)")
        }
    }

    private mutating func change() throws(SavedPlanError) -> ResourceChange {
        let id = try id()
        let actionAt = offset
        guard let action = ChangeAction(rawValue: try string()) else { throw SavedPlanError(offset: actionAt, problem: "unknown change action") }
        var order: ReplaceOrder?
        if let text = try optionalString() {
            guard let parsed = ReplaceOrder(rawValue: text) else { throw SavedPlanError(offset: offset, problem: "unknown replace order '\(text)'") }
            order = parsed
        }
        let provider = try string()
        let previous = try optionalString()
        var reasons: [String] = []
        for _ in 0..<(try count()) { reasons.append(try string()) }
        var fields: [FieldChange] = []
        let fieldCount = try count()
        fields.reserveCapacity(fieldCount)
        for _ in 0..<fieldCount {
            let path = FieldPath(try string())
            let before = try optionalValue()
            let after = try optionalValue()
            fields.append(FieldChange(path: path, before: before, after: after, forcesReplacement: try flag()))
        }
        let spec = try optionalValue()
        var dependencies: [ResourceID] = []
        for _ in 0..<(try count()) { dependencies.append(try self.id()) }
        var change = ResourceChange(
            id: id, action: action, replaceOrder: order, provider: provider, previousProvider: previous, reasons: reasons, fieldChanges: fields, spec: spec,
            dependencies: dependencies)
        if try flag() { change.owner = try self.id() }
        return change
    }

    private mutating func step() throws(SavedPlanError) -> PlanStep {
        let index = try unsigned()
        let resource = try id()
        let operationAt = offset
        guard let operation = PlanStep.Operation(rawValue: try string()) else { throw SavedPlanError(offset: operationAt, problem: "unknown operation") }
        var dependsOn: [Int] = []
        var previous = 0
        for _ in 0..<(try count()) {
            previous += try signed()
            dependsOn.append(previous)
        }
        return PlanStep(index: index, resource: resource, operation: operation, dependsOn: dependsOn)
    }

    private mutating func optionalValue() throws(SavedPlanError) -> FieldValue? {
        try flag() ? try value(depth: 0) : nil
    }

    private mutating func value(depth: Int) throws(SavedPlanError) -> FieldValue {
        guard depth < SavedPlanFormat.maximumDepth else { throw fail("field values nest more than \(SavedPlanFormat.maximumDepth) deep") }
        let at = offset
        guard let tag = SavedPlanFormat.ValueTag(rawValue: try byte()) else { throw SavedPlanError(offset: at, problem: "unknown field value type") }
        switch tag {
        case .string: return .string(try string())
        case .integer: return .integer(try signed())
        case .number:
            guard bytes.count - offset >= 8 else { throw fail("the saved plan ends early (the file is truncated)") }
            var bits: UInt64 = 0
            for shift in 0..<8 { bits |= UInt64(bytes[offset + shift]) << (8 * UInt64(shift)) }
            offset += 8
            return .number(Double(bitPattern: bits))
        case .falseBoolean: return .boolean(false)
        case .trueBoolean: return .boolean(true)
        case .quantity:
            let text = try string()
            guard let quantity = Quantity.parse(codingText: text) else { throw SavedPlanError(offset: at, problem: "'\(text)' is not a quantity") }
            return .quantity(quantity)
        case .reference: return .reference(try id())
        case .template:
            let text = try string()
            guard let template = InterpolatedString.parse(codingText: text) else { throw SavedPlanError(offset: at, problem: "'\(text)' is not a template") }
            return .template(template)
        case .secretFromEnv: return .secret(.fromEnv(try string()))
        case .secretFromFile: return .secret(.fromFile(try string()))
        case .list:
            let count = try count()
            var items: [FieldValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try value(depth: depth + 1)) }
            return .list(items)
        case .map:
            let count = try count()
            var entries: [FieldValue.Entry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count { entries.append(FieldValue.Entry(try string(), try value(depth: depth + 1))) }
            return .map(entries)
        case .unknown: return .unknown
        }
    }

    /// A resource id, parsed once per string of the table.
    private mutating func id() throws(SavedPlanError) -> ResourceID {
        let at = offset
        let index = try stringIndex()
        if let id = ids[index] { return id }
        guard let id = ResourceID(parsing: strings[index]) else { throw SavedPlanError(offset: at, problem: "'\(strings[index])' is not a resource id") }
        ids[index] = id
        return id
    }

    private mutating func optionalString() throws(SavedPlanError) -> String? {
        try flag() ? try string() : nil
    }

    private mutating func string() throws(SavedPlanError) -> String {
        strings[try stringIndex()]
    }

    /// The table index of the next string, defining it first when it is new.
    private mutating func stringIndex() throws(SavedPlanError) -> Int {
        let at = offset
        let reference = try unsigned()
        if reference > 0 {
            guard reference <= strings.count else { throw SavedPlanError(offset: at, problem: "a string refers to one not defined before it") }
            return reference - 1
        }
        let length = try unsigned()
        guard length <= bytes.count - offset else { throw fail("the saved plan ends early (the file is truncated)") }
        guard let text = String(validating: bytes[offset..<(offset + length)], as: UTF8.self) else { throw SavedPlanError(offset: offset, problem: "a string is not UTF-8") }
        offset += length
        strings.append(text)
        ids.append(nil)
        return strings.count - 1
    }

    private mutating func flag() throws(SavedPlanError) -> Bool {
        let at = offset
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw SavedPlanError(offset: at, problem: "a flag is neither 0 nor 1")
        }
    }

    /// A count of things that follow, each at least one byte: never more than the bytes left.
    private mutating func count() throws(SavedPlanError) -> Int {
        let at = offset
        let value = try unsigned()
        guard value >= 0, value <= bytes.count - offset else { throw SavedPlanError(offset: at, problem: "a count of \(value) is more than the file holds") }
        return value
    }

    private mutating func byte() throws(SavedPlanError) -> UInt8 {
        guard offset < bytes.count - 8 else { throw fail("the saved plan ends early (the file is truncated)") }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func signed() throws(SavedPlanError) -> Int {
        let raw = UInt(bitPattern: try unsigned())
        return Int(bitPattern: raw >> 1) ^ -Int(bitPattern: raw & 1)
    }

    /// A varint of at most 64 bits, as an `Int` (bit pattern for zigzag callers; counts and
    /// versions over `Int.max` are refused by their bounds checks).
    private mutating func unsigned() throws(SavedPlanError) -> Int {
        let at = offset
        var result: UInt = 0
        var shift: UInt = 0
        while true {
            let next = try byte()
            guard shift < 64, shift < 63 || next <= 1 else { throw SavedPlanError(offset: at, problem: "a number is longer than 64 bits") }
            result |= UInt(next & 0x7f) << shift
            if next < 0x80 { return Int(bitPattern: result) }
            shift += 7
        }
    }

    private func fail(_ problem: String) -> SavedPlanError { SavedPlanError(offset: offset, problem: problem) }
}
