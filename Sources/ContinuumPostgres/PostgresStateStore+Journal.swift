public import ContinuumSpec
public import ContinuumState
public import Foundation
import Logging
import PostgresNIO

/// The intent journal, provider specs, the apply history and resource events.
extension PostgresStateStore {
    /// Records an intent before its call, and moves the journal position.
    public func recordIntent(_ entry: JournalEntry) async throws(StateError) {
        try await write("record an intent") { connection, logger in try await Self.insert([entry], on: connection, logger: logger) }
    }

    /// Completes an intent and records its result in the same transaction.
    public func completeIntent(key: String, outcome: JournalEntry.Outcome, upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        let serial = try await write("complete an intent") { connection, logger in
            try await Self.complete([(key, outcome)], on: connection, logger: logger)
            return try await Self.apply(upserts: upserts, removals: removals, on: connection, logger: logger)
        }
        noteWrite(from: serial - 1, to: serial, upserts: upserts, removals: removals)
        return serial
    }

    /// Writes intents and completions in one transaction (one commit), set-based: every
    /// intent in one statement, every completion's outcome in one, and their records in one
    /// upsert and one delete. The serial moves once per completion, as one by one. When two
    /// completions touch the same resource, they are written in order instead.
    public func writeJournal(_ writes: [JournalWrite]) async throws(StateError) {
        var intents: [JournalEntry] = []
        var completions: [(key: String, outcome: JournalEntry.Outcome)] = []
        var upserts: [RecordedResource] = []
        var removals: [ResourceID] = []
        for write in writes {
            switch write {
            case .intent(let entry): intents.append(entry)
            case .completion(let key, let outcome, let written, let removed):
                completions.append((key, outcome))
                upserts += written
                removals += removed
            }
        }
        let touched = upserts.map(\.id) + removals
        let inOrder = Set(touched).count < touched.count
        // The serial each write to the records reached, with what it wrote.
        let written = try await write("write \(writes.count) journal entr\(writes.count == 1 ? "y" : "ies")") { [intents, completions, upserts, removals] connection, logger in
            try await Self.insert(intents, on: connection, logger: logger)
            try await Self.complete(completions, on: connection, logger: logger)
            var written: [(from: Int64, to: Int64, upserts: [RecordedResource], removals: [ResourceID])] = []
            if inOrder {
                for case .completion(_, _, let upserts, let removals) in writes {
                    let serial = try await Self.apply(upserts: upserts, removals: removals, on: connection, logger: logger)
                    written.append((serial - 1, serial, upserts, removals))
                }
            } else if !completions.isEmpty {
                let steps = Int64(completions.count)
                let serial = try await Self.apply(upserts: upserts, removals: removals, steps: steps, on: connection, logger: logger)
                written.append((serial - steps, serial, upserts, removals))
            }
            return written
        }
        for write in written { noteWrite(from: write.from, to: write.to, upserts: write.upserts, removals: write.removals) }
    }

    private static func insert(_ entries: [JournalEntry], on connection: PostgresConnection, logger: Logger) async throws {
        guard !entries.isEmpty else { return }
        let keys = entries.map(\.key), outcomes = entries.map(\.outcome.rawValue), times = entries.map(\.recordedAt.timeIntervalSince1970)
        let texts = try entries.map(json)
        try await connection.run("""
            INSERT INTO continuum_journal (key, outcome, recorded_at, entry)
            SELECT * FROM unnest(\(keys)::text[], \(outcomes)::text[], \(times)::double precision[], \(texts)::text[])
            ON CONFLICT (key) DO UPDATE SET outcome = excluded.outcome, recorded_at = excluded.recorded_at, entry = excluded.entry
            """, logger: logger)
        try await connection.run("UPDATE continuum_meta SET journal_position = journal_position + \(Int64(entries.count)) WHERE id = 1", logger: logger)
    }

    /// Sets the outcomes. The `outcome` column is the entry's outcome; the entry's JSON keeps
    /// the one it was recorded with (pending) and is not rewritten: not decoded and encoded
    /// again per completion, and not cast to `jsonb`, which refuses strings a spec may hold
    /// (a NUL character).
    private static func complete(_ completions: [(key: String, outcome: JournalEntry.Outcome)], on connection: PostgresConnection, logger: Logger) async throws {
        guard !completions.isEmpty else { return }
        let keys = completions.map(\.key), outcomes = completions.map(\.outcome.rawValue)
        try await connection.run("""
            UPDATE continuum_journal AS journal SET outcome = done.outcome
            FROM unnest(\(keys)::text[], \(outcomes)::text[]) AS done (key, outcome) WHERE journal.key = done.key
            """, logger: logger)
    }

    /// The intents never completed, oldest first.
    public func pendingIntents() async throws(StateError) -> [JournalEntry] {
        try await read("read the journal") { connection, logger in
            try await Self.decoded(JournalEntry.self, "SELECT entry FROM continuum_journal WHERE outcome = 'pending' ORDER BY recorded_at, key COLLATE \"C\"", connection, logger)
        }
    }

    /// How many intents have ever been recorded.
    public func journalPosition() async throws(StateError) -> Int64 {
        try await read("read the journal position") { connection, logger in
            var position: Int64 = 0
            for value in try await connection.run("SELECT journal_position FROM continuum_meta WHERE id = 1", logger: logger).decode(Int64.self) {
                position = value
            }
            return position
        }
    }

    /// Records the specs of the providers an apply used. The serial stays; the providers'
    /// own version moves when one changed.
    /// The operator's controls.
    public func controls() async throws(StateError) -> [String: String] {
        try await read("read the controls") { connection, logger in
            var controls: [String: String] = [:]
            for (key, value) in try await connection.run("SELECT key, value FROM continuum_controls", logger: logger).decode((String, String).self) {
                controls[key] = value
            }
            return controls
        }
    }

    /// Sets or removes a control (not fenced).
    public func setControl(_ key: String, to value: String?) async throws(StateError) {
        _ = try await write("set the control \(key)", fenced: false) { connection, logger in
            if let value {
                try await connection.run(
                    "INSERT INTO continuum_controls (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO UPDATE SET value = excluded.value", logger: logger)
            } else {
                try await connection.run("DELETE FROM continuum_controls WHERE key = \(key)", logger: logger)
            }
        }
    }

    public func recordProviders(_ providers: [String: FieldValue]) async throws(StateError) {
        try await write("record providers") { connection, logger in
            var recorded: [String: String] = [:]
            for (name, spec) in try await connection.run("SELECT name, spec FROM continuum_providers", logger: logger).decode((String, String).self) {
                recorded[name] = spec
            }
            var changed = false
            for (name, spec) in providers {
                let json = try Self.json(spec)
                guard recorded[name] != json else { continue }
                try await connection.run(
                    "INSERT INTO continuum_providers (name, spec) VALUES (\(name), \(json)) ON CONFLICT (name) DO UPDATE SET spec = excluded.spec", logger: logger)
                changed = true
            }
            if changed {
                try await connection.run("UPDATE continuum_meta SET providers_version = providers_version + 1 WHERE id = 1", logger: logger)
            }
        }
    }

    /// Adds an apply to the history.
    public func appendHistory(_ record: ApplyRecord) async throws(StateError) {
        try await write("record the apply history") { connection, logger in
            _ = try await connection.run(
                "INSERT INTO continuum_history (started_at, record) VALUES (\(record.startedAt.timeIntervalSince1970), \(try Self.json(record)))", logger: logger)
        }
    }

    /// Forgets old completed intents and all but the newest applies.
    public func prune(intentsBefore cutoff: Date, keptHistory: Int) async throws(StateError) {
        let kept = max(0, keptHistory)
        try await write("prune the journal and history") { connection, logger in
            try await connection.run(
                "DELETE FROM continuum_journal WHERE outcome <> 'pending' AND recorded_at < \(cutoff.timeIntervalSince1970)", logger: logger)
            try await connection.run(
                "DELETE FROM continuum_history WHERE id <= (SELECT id FROM continuum_history ORDER BY id DESC LIMIT 1 OFFSET \(kept))", logger: logger)
        }
    }

    /// The newest applies first.
    public func history(limit: Int) async throws(StateError) -> [ApplyRecord] {
        try await read("read the apply history") { connection, logger in
            try await Self.decoded(ApplyRecord.self, "SELECT record FROM continuum_history ORDER BY id DESC LIMIT \(max(0, limit))", connection, logger)
        }
    }

    /// Adds events to their resources' histories, keeping the newest `SQLiteStateStore.keptEvents` of each.
    public func appendEvents(_ events: [ResourceEvent]) async throws(StateError) {
        guard !events.isEmpty else { return }
        let kept = SQLiteStateStore.keptEvents
        try await write("record resource events") { connection, logger in
            let resources = events.map(\.resource.description), times = events.map(\.time.timeIntervalSince1970), texts = try events.map(Self.json)
            try await connection.run(
                "INSERT INTO continuum_events (resource, time, event) SELECT resource, time, event FROM unnest(\(resources)::text[], \(times)::float8[], \(texts)::text[]) WITH ORDINALITY AS e(resource, time, event, n) ORDER BY n",
                logger: logger)
            for resource in Set(resources) {
                try await connection.run("""
                    DELETE FROM continuum_events WHERE resource = \(resource)
                    AND id <= (SELECT id FROM continuum_events WHERE resource = \(resource) ORDER BY id DESC LIMIT 1 OFFSET \(kept))
                    """, logger: logger)
            }
        }
    }

    /// The newest event of every resource that has one.
    public func latestEvents() async throws(StateError) -> [ResourceID: ResourceEvent] {
        let events = try await read("read resource events") { connection, logger in
            try await Self.decoded(ResourceEvent.self, "SELECT event FROM continuum_events WHERE id IN (SELECT max(id) FROM continuum_events GROUP BY resource)", connection, logger)
        }
        return Dictionary(events.map { ($0.resource, $0) }) { first, _ in first }
    }

    /// The newest events of `resource` first.
    public func events(of resource: ResourceID, limit: Int) async throws(StateError) -> [ResourceEvent] {
        let name = resource.description
        return try await read("read resource events") { connection, logger in
            try await Self.decoded(
                ResourceEvent.self, "SELECT event FROM continuum_events WHERE resource = \(name) ORDER BY id DESC LIMIT \(max(0, limit))", connection, logger)
        }
    }

    /// The JSON documents of the query's one text column, decoded.
    static func decoded<T: Decodable>(_ type: T.Type, _ query: PostgresQuery, _ connection: PostgresConnection, _ logger: Logger) async throws -> [T] {
        let decoder = JSONDecoder()
        var values: [T] = []
        for text in try await connection.run(query, logger: logger).decode(String.self) {
            values.append(try decoder.decode(T.self, from: Data(text.utf8)))
        }
        return values
    }
}
