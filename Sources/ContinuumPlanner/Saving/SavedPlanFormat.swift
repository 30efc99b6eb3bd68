/// The saved plan format that `continuum plan --out` writes and `apply --plan` reads: a
/// compact, versioned binary stream, written record by record (never built whole in
/// memory). Described in full in docs/decisions.md ("Saved plan format").
///
/// Layout: the magic `continuum-plan\n`, the format version (a varint), the plan's header
/// (its JSON format version, state serial and lineage, counts, journal position, unsettled
/// intents, summary), then records, each a tag byte and its fields: a resource change, a
/// provider change, a step, an orphan or a held resource; an end tag, and an FNV-1a 64
/// checksum of every byte before it (little endian), so that a truncated or damaged file is
/// refused rather than half applied.
///
/// Integers are LEB128 varints (signed ones zigzag-encoded). Strings are interned: a
/// varint 0 then the length and UTF-8 bytes defines the next string of the table; a varint
/// n > 0 is the table's string n - 1. Paths such as `spec.cpu`, provider names and
/// resource ids repeat across 100,000 resources and so cost one or two bytes each.
public enum SavedPlanFormat {
    /// The first bytes of every saved plan.
    public static let magic: [UInt8] = Array("continuum-plan\n".utf8)
    /// The format version this Continuum writes and the newest it reads.
    public static let version = 1
    /// How deeply field values may nest in a file that is read (specs nest far less).
    static let maximumDepth = 64

    /// What each record is.
    enum Tag: UInt8 {
        case end = 0
        case change = 1
        case providerChange = 2
        case step = 3
        case orphan = 4
        case held = 5
    }

    /// The type of a field value.
    enum ValueTag: UInt8 {
        case string = 0, integer, number, falseBoolean, trueBoolean, quantity, reference, template, secretFromEnv, secretFromFile, list, map, unknown
    }

    /// Whether `bytes` start like a saved plan of this format (rather than a JSON plan).
    public static func isSavedPlan(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.starts(with: magic)
    }
}

/// FNV-1a, 64 bits: the saved plan's checksum against truncation and damage (not tampering:
/// an applied plan is checked against the specs instead).
struct FNV1a64 {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var hash = value
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        value = hash
    }
}
