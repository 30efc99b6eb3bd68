public import ContinuumEngine
import AsyncHTTPClient
public import Foundation
public import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends reconcile notices to the operator's notification targets, off the reconcile's
/// path: `post` only queues, a queue per target (the newest 256 are kept when a target is
/// slow), and `run()` delivers to every target at once, in order for each, retrying a
/// failed request with backoff. A failing target delays neither a reconcile nor another
/// target; tokens are read when sent and never logged. A failure or a hold that repeats
/// (the same event for the same commit as the notice before it, as retries with backoff
/// make) is sent once.
public final class Notifier: Sendable {
    private let targets: [NotificationTarget]
    private let secretsDirectory: URL?
    private let source: String
    private let logger: Logger
    private let retries: Int
    private let backoff: Duration
    private let queues: [(stream: AsyncStream<ReconcileNotice>, continuation: AsyncStream<ReconcileNotice>.Continuation)]
    /// The event and commit of the last notice posted.
    private let last = Mutex<(event: NotificationTarget.Event, commit: String)?>(nil)

    /// A notifier for `targets`; tokens are resolved beneath `secretsDirectory`. `source`
    /// names this controller in CloudEvents. A request is tried `retries + 1` times,
    /// `backoff` doubling between tries.
    public init(
        targets: [NotificationTarget], secretsDirectory: URL?, source: String, logger: Logger, retries: Int = 3, backoff: Duration = .seconds(1)
    ) {
        self.targets = targets.sorted { $0.name < $1.name }
        self.secretsDirectory = secretsDirectory
        self.source = source
        self.logger = logger
        self.retries = retries
        self.backoff = backoff
        queues = self.targets.map { _ in AsyncStream.makeStream(of: ReconcileNotice.self, bufferingPolicy: .bufferingNewest(256)) }
    }

    /// The events sent once while they repeat.
    static let repeatable: Set<NotificationTarget.Event> = [.failed, .held]

    /// Whether any target is configured.
    public var isEmpty: Bool { targets.isEmpty }

    /// Queues `notice`, unless it repeats the failure or hold before it; returns at once.
    public func post(_ notice: ReconcileNotice) {
        let repeated = last.withLock { last in
            defer { last = (notice.event, notice.commit) }
            return Self.repeatable.contains(notice.event) && last?.event == notice.event && last?.commit == notice.commit
        }
        if repeated { return }
        for queue in queues { queue.continuation.yield(notice) }
    }

    /// Delivers queued notices until cancelled, or until `finish()` was called and the
    /// queues are empty.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for (target, queue) in zip(targets, queues) {
                group.addTask {
                    for await notice in queue.stream { await self.deliver(notice, to: target) }
                }
            }
        }
    }

    /// Ends `run()` once what is queued was delivered.
    public func finish() {
        for queue in queues { queue.continuation.finish() }
    }

    private func deliver(_ notice: ReconcileNotice, to target: NotificationTarget) async {
        let token: String?
        do {
            token = try target.token?.resolve(in: secretsDirectory, provider: target.name, field: "notifications.\(target.name).token")
        } catch {
            logger.error("notification not sent", metadata: ["target": "\(target.name)", "error": "\(error)"])
            return
        }
        guard let request = NotificationRequest.make(notice, to: target, token: token, source: source) else { return }
        var delay = backoff
        for attempt in 0...retries {
            if Task.isCancelled { return }
            let failure = await send(request)
            guard let failure else { return }
            guard attempt < retries, failure.retryable else {
                logger.error("notification not sent", metadata: ["target": "\(target.name)", "event": "\(notice.event.rawValue)", "error": "\(failure.message)"])
                return
            }
            try? await Task.sleep(for: delay)
            delay *= 2
        }
    }

    /// Sends one request; nil when the target accepted it (2xx).
    private func send(_ request: NotificationRequest) async -> (message: String, retryable: Bool)? {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = .POST
        for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        do {
            let response = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(30))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            switch response.status.code {
            case 200..<300: return nil
            case 429, 500...: return ("\(request.url.host ?? "the target") answered \(response.status.code)", true)
            default: return ("\(request.url.host ?? "the target") answered \(response.status.code); check the target's url, repository and token", false)
            }
        } catch {
            return ("cannot reach \(request.url.host ?? "the target"): \(error)", true)
        }
    }
}
