import Foundation

/// Writes and reads plans as JSON, byte for byte deterministic (sorted keys).
public enum PlanJSONCoder {
    /// The plan as pretty-printed JSON.
    public static func encode(_ plan: Plan) throws -> Data {
        try encode(plan, pretty: true)
    }

    /// The plan as JSON, pretty-printed or compact, ending with a newline.
    public static func encode(_ plan: Plan, pretty: Bool) throws -> Data {
        var data = try encoder(pretty: pretty).encode(plan)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// The encoder plans are written with: sorted keys, slashes as they are.
    static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A plan read back from JSON.
    public static func decode(_ data: Data) throws -> Plan {
        try JSONDecoder().decode(Plan.self, from: data)
    }
}
