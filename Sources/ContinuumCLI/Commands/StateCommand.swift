import ArgumentParser
import ContinuumEngine
import ContinuumSpec
import ContinuumState
import Foundation

/// `continuum state list|show|unlock`: what the state records, and releasing its lock.
struct StateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "state",
        abstract: "Show what the state records, or release its lock.",
        subcommands: [List.self, Show.self, Unlock.self]
    )

    /// `continuum state list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the recorded resources.")

        @OptionGroup var state: StateOptions
        @Option(help: "text or json.") var format: ListingFormat = .text

        func run() async throws {
            let snapshot = try await StateCommand.load(try StateCommand.open(state))
            switch format {
            case .json:
                Terminal.out(try StateCommand.json(snapshot.resources))
            case .text:
                for record in snapshot.resources {
                    Terminal.out("\(record.id)\tprovider=\(record.provider)\tid=\(record.providerID ?? "-")\n")
                }
                Terminal.out("\(snapshot.resources.count) resource\(snapshot.resources.count == 1 ? "" : "s") at serial \(snapshot.serial).\n")
            }
        }
    }

    /// `continuum state show Kind/name`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one recorded resource: spec, outputs, dependencies and its event history.")

        @Argument(help: "The resource, Kind/name.") var resource: String
        @OptionGroup var state: StateOptions
        @Option(help: "text or json.") var format: ListingFormat = .text

        func run() async throws {
            guard let id = ResourceID(parsing: resource) else {
                throw ValidationError("'\(resource)' is not Kind/name, for example VirtualMachine/web-1")
            }
            let store = try StateCommand.open(state)
            let snapshot = try await StateCommand.load(store)
            let events = (try? await store.events(of: id, limit: 20)) ?? []
            guard let record = snapshot[id] else {
                let hint = NameSuggester.hint(for: id.description, in: snapshot.resources.map(\.id.description))
                Terminal.error("error: \(id) is not in the state\(hint); `continuum state list` shows what is\n")
                throw ExitCode.failure
            }
            switch format {
            case .json:
                Terminal.out(try StateCommand.json(ShownResource(record: record, events: events)))
            case .text:
                var lines = ["\(record.id)", "  provider: \(record.provider)", "  id: \(record.providerID ?? "-")"]
                lines += record.spec.flattened(at: "spec").map { "  \($0.path) = \($0.value)" }
                lines += record.outputs.sorted { $0.key < $1.key }.map { "  outputs.\($0.key) = \($0.value)" }
                lines.append("  dependsOn: [\(record.dependencies.map(\.description).joined(separator: ", "))]")
                lines.append("  events (newest first):")
                let time = Date.ISO8601FormatStyle()
                lines += events.map { "    \(time.format($0.time))  \($0.action)  from \($0.source)" + ($0.message.isEmpty ? "" : ": \($0.message)") }
                Terminal.out(lines.joined(separator: "\n") + "\n")
            }
        }
    }

    /// `continuum state unlock [--force]`.
    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release the state lock left by an applier or controller that is gone.",
            discussion: "Without --force only a lapsed lock, or one whose holder on this host is no longer running, is released. With --force any lock is, and the history records who forced it; use it only when you know the holder is gone (another host, a lost container): two appliers at once can duplicate work.")

        @OptionGroup var state: StateOptions
        @Flag(help: "Release the lock even if its holder may still be running.") var force = false

        func run() async throws {
            let store = try state.makeStore()
            do {
                guard let released = try await StateLease.release(store, force: force) else {
                    Terminal.out("The state is not locked.\n")
                    return
                }
                let who = StateLease.holderName("state unlock" + (force ? " --force" : ""))
                let user = ProcessInfo.processInfo.environment["USER"].map { " by \($0)" } ?? ""
                try await store.appendHistory(ApplyRecord(
                    startedAt: Date(), finishedAt: Date(), source: who + user, summary: "released the lock of \(released.holder)",
                    outcome: force ? "lock released by force" : "lock released"))
                Terminal.out("Released the lock of \(released.holder).\n")
            } catch {
                Terminal.error("\(error)\n")
                throw ExitCode.failure
            }
        }
    }

    /// The store `--state` names; a bad connection string is printed and the command exits 1.
    static func open(_ options: StateOptions) throws -> any StateStore {
        do {
            return try options.makeStore()
        } catch {
            Terminal.error("error: \(error)\n")
            throw ExitCode.failure
        }
    }

    static func load(_ store: any StateStore) async throws -> StateSnapshot {
        do {
            return try await store.snapshot()
        } catch {
            Terminal.error("\(error)\n")
            throw ExitCode.failure
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}

/// A recorded resource with its events, as `state show --format json` prints it: the
/// record's fields and an `events` list.
struct ShownResource: Encodable {
    var record: RecordedResource
    var events: [ResourceEvent]

    private enum Keys: String, CodingKey { case events }

    func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(events, forKey: .events)
    }
}
