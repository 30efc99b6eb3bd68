import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// One XML-RPC value: the types OpenNebula's API uses (`int`/`i4`, `boolean`, `string`,
/// `double`, `array`, `struct`). Encoded and decoded here, as the XML-RPC specification
/// writes them, with no library beyond Foundation's XML parser.
public enum XMLRPCValue: Sendable, Hashable, CustomStringConvertible {
    /// `<int>` or `<i4>` (or `<i8>`).
    case int(Int)
    /// `<boolean>`: 0 or 1.
    case bool(Bool)
    /// `<string>`, or a value with no type element.
    case string(String)
    /// `<double>`.
    case double(Double)
    /// `<array>`.
    case array([XMLRPCValue])
    /// `<struct>`, members in order.
    case structure([(String, XMLRPCValue)])

    public static func == (lhs: XMLRPCValue, rhs: XMLRPCValue) -> Bool {
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.structure(let a), .structure(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(description)
    }

    /// The value as text, for messages (strings as they are).
    public var description: String {
        switch self {
        case .int(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        case .string(let value): value
        case .double(let value): String(value)
        case .array(let values): "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .structure(let members): "{" + members.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        }
    }

    /// The value's XML (`<value>...</value>`).
    var xml: String {
        switch self {
        case .int(let value): "<value><int>\(value)</int></value>"
        case .bool(let value): "<value><boolean>\(value ? 1 : 0)</boolean></value>"
        case .string(let value): "<value><string>\(XMLRPCValue.escape(value))</string></value>"
        case .double(let value): "<value><double>\(value)</double></value>"
        case .array(let values): "<value><array><data>" + values.map(\.xml).joined() + "</data></array></value>"
        case .structure(let members):
            "<value><struct>" + members.map { "<member><name>\(XMLRPCValue.escape($0.0))</name>\($0.1.xml)</member>" }.joined() + "</struct></value>"
        }
    }

    /// Escapes text for an XML element's content.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            case "\r": escaped += "&#13;"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}

/// The XML-RPC wire format: a `methodCall` document out, a `methodResponse` in.
public enum XMLRPCCodec {
    /// The `methodCall` document for `method` with `parameters`.
    public static func call(_ method: String, _ parameters: [XMLRPCValue]) -> String {
        "<?xml version=\"1.0\"?>\n<methodCall><methodName>\(XMLRPCValue.escape(method))</methodName><params>"
            + parameters.map { "<param>\($0.xml)</param>" }.joined() + "</params></methodCall>\n"
    }

    /// What a `methodResponse` carries: its one parameter, or a fault.
    public enum Response: Sendable, Hashable {
        /// The response's parameter.
        case value(XMLRPCValue)
        /// A `<fault>`: the server could not run the call at all (an unknown method, bad parameters).
        case fault(code: Int, message: String)
    }

    /// Reads a `methodResponse` document.
    /// - Throws: `XMLRPCDecodingError` saying what is missing or malformed.
    public static func response(_ data: Data) throws(XMLRPCDecodingError) -> Response {
        let document: XMLDocument
        do {
            document = try XMLDocument(data: data, options: [])
        } catch {
            throw XMLRPCDecodingError(reason: "not XML: \(error.localizedDescription)")
        }
        guard let root = document.rootElement(), root.name == "methodResponse" else {
            throw XMLRPCDecodingError(reason: "the document is not a methodResponse")
        }
        if let fault = root.elements(forName: "fault").first {
            guard let value = fault.elements(forName: "value").first else { throw XMLRPCDecodingError(reason: "a fault without a value") }
            let decoded = try self.value(value)
            guard case .structure(let members) = decoded else { throw XMLRPCDecodingError(reason: "a fault that is not a struct") }
            var code = 0, message = ""
            for (name, member) in members {
                if name == "faultCode", case .int(let value) = member { code = value }
                if name == "faultString", case .string(let value) = member { message = value }
            }
            return .fault(code: code, message: message)
        }
        guard let params = root.elements(forName: "params").first, let param = params.elements(forName: "param").first,
            let value = param.elements(forName: "value").first
        else { throw XMLRPCDecodingError(reason: "a methodResponse without params/param/value") }
        return .value(try self.value(value))
    }

    /// Decodes one `<value>` element.
    static func value(_ element: XMLElement) throws(XMLRPCDecodingError) -> XMLRPCValue {
        guard let typed = element.children?.compactMap({ $0 as? XMLElement }).first else {
            return .string(element.stringValue ?? "")
        }
        let text = typed.stringValue ?? ""
        switch typed.name {
        case "int", "i4", "i8":
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else { throw XMLRPCDecodingError(reason: "<\(typed.name ?? "")> holds \(text.prefix(40)), not a whole number") }
            return .int(value)
        case "boolean":
            switch text.trimmingCharacters(in: .whitespaces) {
            case "1": return .bool(true)
            case "0": return .bool(false)
            default: throw XMLRPCDecodingError(reason: "<boolean> holds \(text.prefix(40)), not 0 or 1")
            }
        case "string": return .string(text)
        case "double":
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)) else { throw XMLRPCDecodingError(reason: "<double> holds \(text.prefix(40))") }
            return .double(value)
        case "array":
            let values = typed.elements(forName: "data").first?.elements(forName: "value") ?? []
            var decoded: [XMLRPCValue] = []
            for value in values { decoded.append(try self.value(value)) }
            return .array(decoded)
        case "struct":
            var members: [(String, XMLRPCValue)] = []
            for member in typed.elements(forName: "member") {
                guard let name = member.elements(forName: "name").first?.stringValue, let value = member.elements(forName: "value").first else {
                    throw XMLRPCDecodingError(reason: "a struct member without a name or value")
                }
                members.append((name, try self.value(value)))
            }
            return .structure(members)
        default:
            throw XMLRPCDecodingError(reason: "the value type <\(typed.name ?? "")> is not one OpenNebula answers with")
        }
    }
}

/// Why an XML-RPC response could not be read.
public struct XMLRPCDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with it.
    public var reason: String

    public var description: String { "malformed XML-RPC response: \(reason)" }
}
