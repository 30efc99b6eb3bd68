import ContinuumSpec
import Foundation
import GRDB

/// The lock, the intent journal, provider specs and the apply history.
extension SQLiteStateStore {
    /// Takes or renews the lock in one transaction; a takeover moves the lease generation.
    public func lock(holder: String, for duration: Duration, host: String?, processID: Int32?) async throws(StateError) {
        try await take(holder: holder, for: duration, host: host, processID: processID, renewal: false)
    }

    /// Renews the lock this store took, unless another holder took it over since.
    public func renewLock(holder: String, for duration: Duration, host: String?, processID: Int32?) async throws(StateError) {
        try await take(holder: holder, for: duration, host: host, processID: processID, renewal: fence?.holder == holder)
    }

    private func take(holder: String, for duration: Duration, host: String?, processID: Int32?, renewal: Bool) async throws(StateError) {
        let path = self.path
        let fence = renewal ? self.fence : nil
        self.fence = try await write("take the lock", fenced: false) { db in
            let now = Date()
            let held = try Self.lock(in: db)
            if let fence, !fence.admits(holder: held?.holder, generation: held?.generation) { throw StateError.fenced(fence, current: held, location: path) }
            var since = now
            var generation = held?.generation ?? 0
            switch LeaseFence.decide(holder: holder, held: held, now: now.timeIntervalSince1970) {
            case .refuse(let held): throw StateError.locked(by: held, location: path)
            case .renew: since = held?.acquiredAt ?? now
            case .takeOver:
                try db.execute(sql: "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'lease_generation'")
                generation = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'lease_generation'").flatMap { Int64($0) } ?? 1
            }
            try db.execute(sql: "INSERT OR REPLACE INTO lock (id, holder, acquired_at, expires_at, host, pid, generation) VALUES (1, ?, ?, ?, ?, ?, ?)",
                arguments: [holder, since.timeIntervalSince1970, now.addingTimeInterval(duration.timeInterval).timeIntervalSince1970, host, processID, generation])
            return LeaseFence(holder: holder, generation: generation)
        }
    }

    /// The lock held now.
    public func currentLock() async throws(StateError) -> StateLock? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try await read("read the lock") { db in try Self.lock(in: db) }
    }

    static func lock(in db: Database) throws -> StateLock? {
        guard let row = try Row.fetchOne(db, sql: "SELECT holder, acquired_at, expires_at, host, pid, generation FROM lock WHERE id = 1") else { return nil }
        return StateLock(
            holder: row["holder"], acquiredAt: Date(timeIntervalSince1970: row["acquired_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"]),
            host: row["host"], processID: row["pid"], generation: row["generation"])
    }

    /// Releases the lock if `holder` holds it.
    public func unlock(holder: String) async throws(StateError) {
        try await write("release the lock", fenced: false) { db in try db.execute(sql: "DELETE FROM lock WHERE holder = ?", arguments: [holder]) }
        if fence?.holder == holder { fence = nil }
    }

    /// Records an intent before its call.
    public func recordIntent(_ entry: JournalEntry) async throws(StateError) {
        let json = try encoded(entry)
        try await write("record an intent") { db in try Self.insert(entry, json: json, in: db) }
    }

    /// Completes an intent and records its result in the same transaction.
    public func completeIntent(key: String, outcome: JournalEntry.Outcome, upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        let records = try upserts.map { record throws(StateError) in (record, try encoded(record)) }
        let serial = try await write("complete an intent") { db in try Self.complete(key, outcome, upserts: records, removals: removals, in: db) }
        noteWrite(from: serial - 1, to: serial, upserts: upserts, removals: removals)
        return serial
    }

    /// Writes intents and completions, in order, in one transaction (one commit, one fsync).
    public func writeJournal(_ writes: [JournalWrite]) async throws(StateError) {
        // Encoded before the transaction: the single writer holds SQLite's lock for the SQL only.
        let prepared = try writes.map { write throws(StateError) -> EncodedJournalWrite in
            switch write {
            case .intent(let entry): .intent(entry, try encoded(entry))
            case .completion(let key, let outcome, let upserts, let removals):
                .completion(key, outcome, try upserts.map { record throws(StateError) in (record, try encoded(record)) }, removals)
            }
        }
        let serials = try await write("write \(writes.count) journal entr\(writes.count == 1 ? "y" : "ies")") { db in
            var serials: [Int64] = []
            for write in prepared {
                switch write {
                case .intent(let entry, let json): try Self.insert(entry, json: json, in: db)
                case .completion(let key, let outcome, let upserts, let removals): serials.append(try Self.complete(key, outcome, upserts: upserts, removals: removals, in: db))
                }
            }
            return serials
        }
        var completed = serials.makeIterator()
        for case .completion(_, _, let upserts, let removals) in prepared {
            guard let serial = completed.next() else { break }
            noteWrite(from: serial - 1, to: serial, upserts: upserts.map(\.0), removals: removals)
        }
    }

    /// A journal write with its JSON encoded.
    private enum EncodedJournalWrite: Sendable {
        case intent(JournalEntry, String)
        case completion(String, JournalEntry.Outcome, [(RecordedResource, String)], [ResourceID])
    }

    private static func insert(_ entry: JournalEntry, json: String, in db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO journal (key, outcome, recorded_at, entry) VALUES (?, ?, ?, ?)",
            arguments: [entry.key, entry.outcome.rawValue, entry.recordedAt.timeIntervalSince1970, json])
        try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('journal_position', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
    }

    /// Sets the outcome (the `outcome` column is the entry's outcome; the entry's JSON keeps
    /// the one it was recorded with and is not decoded and encoded again), then records the
    /// result.
    private static func complete(_ key: String, _ outcome: JournalEntry.Outcome, upserts: [(RecordedResource, String)], removals: [ResourceID], in db: Database) throws -> Int64 {
        try db.execute(sql: "UPDATE journal SET outcome = ? WHERE key = ?", arguments: [outcome.rawValue, key])
        return try apply(encoded: upserts, removals: removals, in: db)
    }

    /// The intents never completed, oldest first.
    public func pendingIntents() async throws(StateError) -> [JournalEntry] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try await read("read the journal") { db in
            try String.fetchAll(db, sql: "SELECT entry FROM journal WHERE outcome = 'pending' ORDER BY recorded_at, key")
                .map { try JSONDecoder().decode(JournalEntry.self, from: Data($0.utf8)) }
        }
    }

    /// How many intents have ever been recorded.
    public func journalPosition() async throws(StateError) -> Int64 {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        return try await read("read the journal position") { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'journal_position'").flatMap { Int64($0) } ?? 0
        }
    }

    /// Records the specs of the providers an apply used. The serial stays (a plan made
    /// before still applies); the providers' own version moves when one changed.
    /// The operator's controls.
    public func controls() async throws(StateError) -> [String: String] {
        try await read("read the controls") { db in
            var controls: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM controls") { controls[row["key"]] = row["value"] }
            return controls
        }
    }

    /// Sets or removes a control (not fenced).
    public func setControl(_ key: String, to value: String?) async throws(StateError) {
        try await write("set the control \(key)", fenced: false) { db in
            if let value {
                try db.execute(sql: "INSERT OR REPLACE INTO controls (key, value) VALUES (?, ?)", arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM controls WHERE key = ?", arguments: [key])
            }
        }
    }

    public func recordProviders(_ providers: [String: FieldValue]) async throws(StateError) {
        try await write("record providers") { db in
            var recorded: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT name, spec FROM providers") { recorded[row["name"]] = row["spec"] }
            var changed = false
            for (name, spec) in providers {
                let json = try Self.json(spec)
                guard recorded[name] != json else { continue }
                try db.execute(sql: "INSERT OR REPLACE INTO providers (name, spec) VALUES (?, ?)", arguments: [name, json])
                changed = true
            }
            if changed {
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('providers', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
            }
        }
    }

    /// Adds an apply to the history.
    public func appendHistory(_ record: ApplyRecord) async throws(StateError) {
        try await write("record the apply history") { db in
            try db.execute(sql: "INSERT INTO history (started_at, record) VALUES (?, ?)", arguments: [record.startedAt.timeIntervalSince1970, try Self.json(record)])
        }
    }

    /// Forgets old completed intents and all but the newest applies.
    public func prune(intentsBefore cutoff: Date, keptHistory: Int) async throws(StateError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        try await write("prune the journal and history") { db in
            try db.execute(sql: "DELETE FROM journal WHERE outcome != 'pending' AND recorded_at < ?", arguments: [cutoff.timeIntervalSince1970])
            try db.execute(sql: "DELETE FROM history WHERE id <= (SELECT id FROM history ORDER BY id DESC LIMIT 1 OFFSET ?)", arguments: [max(0, keptHistory)])
        }
    }

    /// The newest applies first.
    public func history(limit: Int) async throws(StateError) -> [ApplyRecord] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try await read("read the apply history") { db in
            try String.fetchAll(db, sql: "SELECT record FROM history ORDER BY id DESC LIMIT ?", arguments: [limit])
                .map { try JSONDecoder().decode(ApplyRecord.self, from: Data($0.utf8)) }
        }
    }

    /// Adds events to their resources' histories, keeping the newest `keptEvents` of each.
    public func appendEvents(_ events: [ResourceEvent]) async throws(StateError) {
        guard !events.isEmpty else { return }
        let kept = Self.keptEvents
        try await write("record resource events") { db in
            for event in events {
                try db.execute(sql: "INSERT INTO events (resource, time, event) VALUES (?, ?, ?)",
                    arguments: [event.resource.description, event.time.timeIntervalSince1970, try Self.json(event)])
            }
            for resource in Set(events.map(\.resource.description)) {
                try db.execute(sql: """
                    DELETE FROM events WHERE resource = ?1 AND id <= (SELECT id FROM events WHERE resource = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
                    """, arguments: [resource, kept])
            }
        }
    }

    /// The newest event of every resource that has one.
    public func latestEvents() async throws(StateError) -> [ResourceID: ResourceEvent] {
        guard FileManager.default.fileExists(atPath: path) else { return [:] }
        return try await read("read resource events") { db in
            let events = try String.fetchAll(db, sql: "SELECT event FROM events WHERE id IN (SELECT MAX(id) FROM events GROUP BY resource)")
                .map { try JSONDecoder().decode(ResourceEvent.self, from: Data($0.utf8)) }
            return Dictionary(events.map { ($0.resource, $0) }) { first, _ in first }
        }
    }

    /// How many events are kept per resource; older ones are dropped as new ones come.
    public static let keptEvents = 100

    /// The newest events of `resource` first.
    public func events(of resource: ResourceID, limit: Int) async throws(StateError) -> [ResourceEvent] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try await read("read resource events") { db in
            try String.fetchAll(db, sql: "SELECT event FROM events WHERE resource = ? ORDER BY id DESC LIMIT ?", arguments: [resource.description, limit])
                .map { try JSONDecoder().decode(ResourceEvent.self, from: Data($0.utf8)) }
        }
    }

    /// `value` as the JSON the store keeps, encoded outside any transaction.
    func encoded<T: Encodable>(_ value: T) throws(StateError) -> String {
        do {
            return try Self.json(value)
        } catch {
            throw StateError(.io, location: path, message: "cannot encode \(T.self) for the state: \(error)", remedy: "report this as a bug; the previous state is unchanged")
        }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
