import ContinuumSpec
import Foundation

/// Writes the plan's bulk (resource changes and steps) as compact JSON straight into a
/// byte buffer: the same bytes `JSONEncoder` gives with sorted keys and slashes as they
/// are (members in UTF-8 byte order, optional members left out when nil, control
/// characters escaped as `\b \f \n \r \t` or `\u00xx`), without its generic machinery. The
/// rare values whose text it would have to second-guess (decimals, secret references) are
/// encoded by `JSONEncoder` itself. `PlanJSONStreamer` uses it for compact output; a test
/// holds the bytes equal to the encoder's.
struct PlanJSONWriter {
    let fallback: JSONEncoder

    func change(_ change: ResourceChange, into out: inout [UInt8]) throws {
        raw("{\"action\":", &out)
        string(change.action.rawValue, &out)
        raw(",\"dependencies\":[", &out)
        for (index, dependency) in change.dependencies.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            string(dependency.description, &out)
        }
        raw("],\"fieldChanges\":[", &out)
        for (index, field) in change.fieldChanges.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            var first = true
            if let after = field.after {
                raw("\"after\":", &out)
                try value(after, &out)
                first = false
            }
            if let before = field.before {
                raw(first ? "\"before\":" : ",\"before\":", &out)
                try value(before, &out)
                first = false
            }
            raw(first ? "\"forcesReplacement\":" : ",\"forcesReplacement\":", &out)
            raw(field.forcesReplacement ? "true" : "false", &out)
            raw(",\"path\":", &out)
            string(field.path.text, &out)
            out.append(UInt8(ascii: "}"))
        }
        raw("],\"id\":", &out)
        string(change.id.description, &out)
        if let owner = change.owner {
            raw(",\"owner\":", &out)
            string(owner.description, &out)
        }
        if let previous = change.previousProvider {
            raw(",\"previousProvider\":", &out)
            string(previous, &out)
        }
        raw(",\"provider\":", &out)
        string(change.provider, &out)
        raw(",\"reasons\":[", &out)
        for (index, reason) in change.reasons.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            string(reason, &out)
        }
        out.append(UInt8(ascii: "]"))
        if let order = change.replaceOrder {
            raw(",\"replaceOrder\":", &out)
            string(order.rawValue, &out)
        }
        if let spec = change.spec {
            raw(",\"spec\":", &out)
            try value(spec, &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    func step(_ step: PlanStep, into out: inout [UInt8]) {
        raw("{\"dependsOn\":[", &out)
        for (index, dependency) in step.dependsOn.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            raw(String(dependency), &out)
        }
        raw("],\"index\":", &out)
        raw(String(step.index), &out)
        raw(",\"operation\":", &out)
        string(step.operation.rawValue, &out)
        raw(",\"resource\":", &out)
        string(step.resource.description, &out)
        out.append(UInt8(ascii: "}"))
    }

    private func value(_ value: FieldValue, _ out: inout [UInt8]) throws {
        switch value {
        case .string(let text):
            raw("{\"string\":", &out)
            string(text, &out)
        case .integer(let number):
            raw("{\"integer\":", &out)
            raw(String(number), &out)
        case .boolean(let flag):
            raw(flag ? "{\"boolean\":true" : "{\"boolean\":false", &out)
        case .quantity(let quantity):
            raw("{\"quantity\":", &out)
            string(quantity.codingText, &out)
        case .reference(let id):
            raw("{\"reference\":", &out)
            string(id.description, &out)
        case .template(let template):
            raw("{\"template\":", &out)
            string(template.codingText, &out)
        case .unknown:
            raw("{\"unknown\":null", &out)
        case .list(let items):
            raw("{\"list\":[", &out)
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                try self.value(item, &out)
            }
            out.append(UInt8(ascii: "]"))
        case .map(let entries):
            raw("{\"map\":{", &out)
            let sorted = entries.isSorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
                ? entries : entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (index, entry) in sorted.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                string(entry.key, &out)
                out.append(UInt8(ascii: ":"))
                try self.value(entry.value, &out)
            }
            out.append(UInt8(ascii: "}"))
        case .number, .secret:
            out.append(contentsOf: try fallback.encode(value))
            return
        }
        out.append(UInt8(ascii: "}"))
    }

    private func raw(_ text: String, _ out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string, escaped as `JSONEncoder` escapes it.
    private func string(_ text: String, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): raw("\\\"", &out)
            case UInt8(ascii: "\\"): raw("\\\\", &out)
            case 0x08: raw("\\b", &out)
            case 0x0c: raw("\\f", &out)
            case 0x0a: raw("\\n", &out)
            case 0x0d: raw("\\r", &out)
            case 0x09: raw("\\t", &out)
            case 0..<0x20:
                raw("\\u00", &out)
                out.append(Self.hex[Int(byte >> 4)])
                out.append(Self.hex[Int(byte & 0xf)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension Array {
    /// Whether the elements are in the order `areInIncreasingOrder` gives.
    fileprivate func isSorted(by areInIncreasingOrder: (Element, Element) -> Bool) -> Bool {
        zip(self, dropFirst()).allSatisfy { !areInIncreasingOrder($1, $0) }
    }
}
