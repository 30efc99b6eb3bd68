import ArgumentParser
import ContinuumSim
import ContinuumSpec
import Foundation

/// `continuum sim list|set|delete`: look at and change the simulated cloud behind
/// Continuum's back, to see and test drift.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Inspect or change the simulated cloud's world (drift on purpose).",
        subcommands: [List.self, Set.self, Delete.self]
    )

    /// `continuum sim list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every object of the simulated cloud.")

        @OptionGroup var simWorld: SimWorldOptions
        @Option(help: "text or json.") var format: ListingFormat = .text

        func run() async throws {
            let objects = try await SimCommand.world(simWorld) { world throws(SimWorldError) in try await world.objects() }
            switch format {
            case .json:
                let array = objects.map { object -> [String: Any] in
                    [
                        "kind": object.resource.kind.rawValue, "name": object.resource.name, "id": object.id, "provider": object.provider,
                        "spec": object.spec.plainJSON, "outputs": object.outputs.mapValues(\.plainJSON),
                    ]
                }
                let data = try JSONSerialization.data(withJSONObject: array, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                Terminal.out(String(decoding: data, as: UTF8.self) + "\n")
            case .text:
                for object in objects { Terminal.out("\(object.resource)\t\(object.id)\tprovider=\(object.provider)\n") }
                Terminal.out("\(objects.count) object\(objects.count == 1 ? "" : "s").\n")
            }
        }
    }

    /// `continuum sim set Kind/name spec.FIELD=VALUE`.
    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a field of an object, as someone working around Continuum would.")

        @Argument(help: "The resource, Kind/name.") var resource: String
        @Argument(help: "spec.FIELD=VALUE, for example spec.cpu=8.") var assignment: String
        @OptionGroup var simWorld: SimWorldOptions

        func run() async throws {
            let id = try SimCommand.parse(resource)
            guard let equals = assignment.firstIndex(of: "="), assignment.hasPrefix("spec.") else {
                throw ValidationError("write the change as spec.FIELD=VALUE, for example spec.cpu=8")
            }
            let path = assignment[assignment.index(assignment.startIndex, offsetBy: 5)..<equals].split(separator: ".").map(String.init)
            let text = String(assignment[assignment.index(after: equals)...])
            var object = try await SimCommand.single(id, simWorld)
            guard let updated = SimCommand.set(object.spec, path: path[...], text: text) else {
                throw ValidationError("spec.\(path.joined(separator: ".")) is not a field of \(id) that holds one value, or '\(text)' is not of its type; `continuum sim list --format json` shows its spec")
            }
            object.spec = updated
            let changed = object
            _ = try await SimCommand.world(simWorld) { world throws(SimWorldError) in try await world.replace(changed) }
            Terminal.out("\(id) (\(object.id)): spec.\(path.joined(separator: ".")) = \(text)\n")
        }
    }

    /// `continuum sim delete Kind/name`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an object, as if someone removed it outside Continuum.")

        @Argument(help: "The resource, Kind/name.") var resource: String
        @OptionGroup var simWorld: SimWorldOptions

        func run() async throws {
            let id = try SimCommand.parse(resource)
            let object = try await SimCommand.single(id, simWorld)
            try await SimCommand.world(simWorld) { world throws(SimWorldError) in try await world.remove(id: object.id) }
            Terminal.out("\(id) (\(object.id)) deleted from the simulated cloud.\n")
        }
    }

    static func parse(_ text: String) throws -> ResourceID {
        guard let id = ResourceID(parsing: text) else { throw ValidationError("'\(text)' is not Kind/name, for example VirtualMachine/web-1") }
        return id
    }

    static func single(_ id: ResourceID, _ options: SimWorldOptions) async throws -> SimObject {
        let objects = try await world(options) { world throws(SimWorldError) in try await world.objects(for: id) }
        guard let object = objects.last else {
            Terminal.error("error: the simulated cloud has no object for \(id); `continuum sim list` shows what it has\n")
            throw ExitCode.failure
        }
        return object
    }

    static func world<T>(_ options: SimWorldOptions, _ body: (SimWorld) async throws(SimWorldError) -> T) async throws -> T {
        do {
            return try await body(SimWorld(path: options.resolvedPath))
        } catch {
            Terminal.error("\(error)\n")
            throw ExitCode.failure
        }
    }

    /// The value with the scalar at `path` replaced by `text` read as that scalar's type.
    static func set(_ value: FieldValue, path: ArraySlice<String>, text: String) -> FieldValue? {
        guard let key = path.first, case .map(var entries) = value, let index = entries.firstIndex(where: { $0.key == key }) else { return nil }
        let current = entries[index].value
        let replacement: FieldValue?
        if path.count > 1 {
            replacement = set(current, path: path.dropFirst(), text: text)
        } else {
            switch current {
            case .string: replacement = .string(text)
            case .integer: replacement = Int(text).map(FieldValue.integer)
            case .number: replacement = Double(text).map(FieldValue.number)
            case .boolean: replacement = text == "true" ? .boolean(true) : text == "false" ? .boolean(false) : nil
            case .quantity: replacement = (try? Quantity.parse(text).get()).map(FieldValue.quantity)
            case .reference: replacement = ResourceID(parsing: text).map(FieldValue.reference)
            default: replacement = nil
            }
        }
        guard let replacement else { return nil }
        entries[index] = FieldValue.Entry(key, replacement)
        return .map(entries)
    }
}

extension FieldValue {
    /// The value as plain JSON (strings, numbers, booleans, arrays, objects); secrets as `(sensitive)`.
    var plainJSON: Any {
        switch self {
        case .string(let text): text
        case .integer(let value): value
        case .number(let value): value
        case .boolean(let value): value
        case .quantity(let value): value.text
        case .reference(let id): id.description
        case .template(let template): template.source
        case .secret: "(sensitive)"
        case .unknown: NSNull()
        case .list(let items): items.map(\.plainJSON)
        case .map(let entries): Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value.plainJSON) })
        }
    }
}
