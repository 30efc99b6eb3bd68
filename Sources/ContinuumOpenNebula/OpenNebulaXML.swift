import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads the XML documents OpenNebula's `info` methods answer with (`VM`, `VM_POOL`,
/// `VNET`, `VNET_POOL`, as its XSD schemas define them) into plain values, and writes the
/// XML templates its `allocate`, `update` and `resize` methods take (a `TEMPLATE` root
/// element, as the API reference allows instead of the attribute syntax: every value is
/// XML-escaped, so no spec text can close a vector or add an attribute).
enum OpenNebulaXML {
    /// The elements named `name` under the root of `text` (or the root itself when it is one).
    static func elements(_ name: String, in text: String) throws(XMLRPCDecodingError) -> [XMLElement] {
        let document: XMLDocument
        do {
            document = try XMLDocument(xmlString: text, options: [])
        } catch {
            throw XMLRPCDecodingError(reason: "the front-end's \(name) document is not XML: \(error.localizedDescription)")
        }
        guard let root = document.rootElement() else { return [] }
        if root.name == name { return [root] }
        return root.elements(forName: name)
    }

    /// The text of the child `name` of `element`, trimmed; nil when absent or empty.
    static func text(_ element: XMLElement?, _ name: String) -> String? {
        guard let value = element?.elements(forName: name).first?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    /// The whole number in the child `name` of `element`.
    static func int(_ element: XMLElement?, _ name: String) -> Int? {
        text(element, name).flatMap { Int($0) }
    }

    /// The simple (text-only) children of `element`, by name.
    static func attributes(_ element: XMLElement?) -> [String: String] {
        var attributes: [String: String] = [:]
        for child in element?.children ?? [] {
            guard let child = child as? XMLElement, let name = child.name,
                !(child.children ?? []).contains(where: { $0 is XMLElement })
            else { continue }
            attributes[name] = child.stringValue ?? ""
        }
        return attributes
    }

    /// A `TEMPLATE` document of `entries`, in order.
    static func template(_ entries: [Entry]) -> String {
        "<TEMPLATE>" + entries.map(\.xml).joined() + "</TEMPLATE>"
    }

    /// One template attribute: a single value, or a vector of single values.
    enum Entry: Sendable, Hashable {
        /// `NAME = "value"`.
        case single(String, String)
        /// `NAME = [ KEY = "value", ... ]`.
        case vector(String, [(String, String)])

        static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.xml == rhs.xml }
        func hash(into hasher: inout Hasher) { hasher.combine(xml) }

        var xml: String {
            switch self {
            case .single(let name, let value): "<\(name)>\(XMLRPCValue.escape(value))</\(name)>"
            case .vector(let name, let values): "<\(name)>" + values.map { "<\($0.0)>\(XMLRPCValue.escape($0.1))</\($0.0)>" }.joined() + "</\(name)>"
            }
        }
    }
}
