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
        try await write("record an intent") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO journal (key, outcome, recorded_at, entry) VALUES (?, ?, ?, ?)",
                arguments: [entry.key, entry.outcome.rawValue, entry.recordedAt.timeIntervalSince1970, try Self.json(entry)])
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('journal_position', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1")
        }
    }

    /// Completes an intent and records its result in the same transaction.
    public func completeIntent(key: String, outcome: JournalEntry.Outcome, upserts: [RecordedResource], removals: [ResourceID]) async throws(StateError) -> Int64 {
        try await write("complete an intent") { db in
            if let text = try String.fetchOne(db, sql: "SELECT entry FROM journal WHERE key = ?", arguments: [key]) {
                var entry = try JSONDecoder().decode(JournalEntry.self, from: Data(text.utf8))
                entry.outcome = outcome
                try db.execute(sql: "UPDATE journal SET outcome = ?, entry = ? WHERE key = ?", arguments: [outcome.rawValue, try Self.json(entry), key])
            }
            return try Self.apply(upserts: upserts, removals: removals, in: db)
        }
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

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
