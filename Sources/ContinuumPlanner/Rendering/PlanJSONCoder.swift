import Foundation

/// Writes and reads plans as JSON, byte for byte deterministic (sorted keys).
public enum PlanJSONCoder {
    /// The plan as pretty-printed JSON.
    public static func encode(_ plan: Plan) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(plan)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// A plan read back from JSON.
    public static func decode(_ data: Data) throws -> Plan {
        try JSONDecoder().decode(Plan.self, from: data)
    }
}
