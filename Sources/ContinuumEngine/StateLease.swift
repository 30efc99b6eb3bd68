public import ContinuumState
public import Foundation

/// The exclusive right to change a state: taken before recovery and apply, renewed while
/// they run, released after. A lease that lapsed, or whose holder was a process on this
/// host that is gone (killed, crashed), is taken over; the takeover is reported so that
/// the caller can say so. The CLI and the controller use it alike.
public struct StateLease: Sendable {
    /// Who holds the lease, as stored and shown to others.
    public let holder: String
    /// The state store.
    public let store: any StateStore
    /// Its timing.
    public let policy: LeasePolicy
    /// This host's name, so a holder on the same host can be checked for life.
    public let host: String
    /// This process's id.
    public let processID: Int32

    /// This host as leases name it: the host name and the PID namespace, so that a holder
    /// is checked for life only where its process id means the same process (containers
    /// sharing a host name, or all running as pid 1, are different "hosts").
    public static let localHost: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlink("/proc/self/ns/pid", &buffer, buffer.count - 1)
        let namespace = count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "pid:[unknown]"
        return "\(ProcessInfo.processInfo.hostName) \(namespace)"
    }()

    /// A lease for `holder` on `store`.
    public init(store: any StateStore, holder: String, policy: LeasePolicy = LeasePolicy(), host: String = StateLease.localHost,
        processID: Int32 = ProcessInfo.processInfo.processIdentifier)
    {
        self.store = store
        self.holder = holder
        self.policy = policy
        self.host = host
        self.processID = processID
    }

    /// The holder name a command uses: `continuum apply (pid 4242 on host-a, 1f2e3d4c)`,
    /// with a random part, so two processes never share a holder name (two containers can
    /// both be pid 1 on hosts of the same name).
    public static func holderName(_ role: String) -> String {
        let process = ProcessInfo.processInfo
        return "continuum \(role) (pid \(process.processIdentifier) on \(process.hostName), \(instance))"
    }

    /// This process's random part of holder names.
    static let instance = String(UInt32.random(in: .min ... .max), radix: 16)

    /// Takes the lease, or renews it when already held.
    /// - Returns: the lock of a dead holder that was taken over, if any.
    /// - Throws: `StateError` naming the holder while a live one holds it.
    @discardableResult
    public func acquire() async throws(StateError) -> StateLock? {
        do {
            try await store.lock(holder: holder, for: policy.duration, host: host, processID: processID)
            return nil
        } catch where error.code == .locked {
            guard let held = try await store.currentLock(), held.host == host, let pid = held.processID, pid != processID, !Self.isAlive(pid) else { throw error }
            try await store.unlock(holder: held.holder)
            try await store.lock(holder: holder, for: policy.duration, host: host, processID: processID)
            return held
        }
    }

    /// Renews the lease for another `duration`.
    /// - Throws: `StateError` `.fenced` when another holder took it over since it was taken
    ///   (this holder was paused past its expiry), `.locked` when another holds it now.
    public func renew() async throws(StateError) {
        try await store.renewLock(holder: holder, for: policy.duration, host: host, processID: processID)
    }

    /// Releases the lease if this holder has it.
    public func release() async {
        try? await store.unlock(holder: holder)
    }

    /// Runs `body` while renewing the lease every retry period (`LeaseRenewal`). When a
    /// renewal finds that another holder has taken the lease (this one was paused past its
    /// expiry), or no renewal succeeded for the renew deadline since `renewedAt` (when it
    /// was taken or last renewed), `onLost` is called once, so that the work under the lease
    /// stops. The store refuses the writes of a holder whose lease was taken over in any
    /// case (fencing): those fail with `.fenced`, which callers treat as the same loss.
    public func renewing<T: Sendable>(
        isolation: isolated (any Actor)? = #isolation, renewedAt: ContinuousClock.Instant = .now,
        onLost: @escaping @Sendable (StateError) -> Void = { _ in }, _ body: () async throws -> T
    ) async rethrows -> T {
        let renewal = renewal(renewedAt: renewedAt, onLost: onLost)
        defer { renewal.cancel() }
        return try await body()
    }

    /// Starts renewing the lease every retry period, from `renewedAt`; `cancel()` it when
    /// the work under the lease ends. Its `loss` says why it was given up, if it was.
    public func renewal(renewedAt: ContinuousClock.Instant = .now, onLost: @escaping @Sendable (StateError) -> Void) -> LeaseRenewal {
        let lease = self
        return LeaseRenewal.start(policy: policy, renewedAt: renewedAt, lease: "the state lease", holder: holder, renew: {
            do throws(StateError) {
                try await lease.renew()
                return .renewed
            } catch where error.code == .locked || error.code == .fenced {
                return .lost(error)
            } catch {
                return .failed(error)
            }
        }, onLost: onLost)
    }

    /// Releases whoever holds the lease of `store`, as `state unlock` does: without `force`
    /// only a lapsed lease or one whose holder on this host is gone; with it, any.
    /// - Returns: the lock released, nil when none was held.
    /// - Throws: `StateError` naming a live holder when `force` is off.
    public static func release(_ store: any StateStore, force: Bool, host: String = StateLease.localHost) async throws(StateError) -> StateLock? {
        guard let held = try await store.currentLock() else { return nil }
        let dead = held.expiresAt <= Date() || (held.host == host && held.processID.map { !isAlive($0) } ?? false)
        guard force || dead else { throw StateError.locked(by: held, location: "the state") }
        try await store.unlock(holder: held.holder)
        return held
    }

    /// Whether a process with this id runs on this host.
    static func isAlive(_ pid: Int32) -> Bool {
        kill(pid, 0) == 0 || errno == EPERM
    }
}
