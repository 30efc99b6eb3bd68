public import ContinuumEngine
public import Foundation

/// The HTTP request that tells a target about a notice, as the forges' REST documentation
/// describes it: GitHub's `POST /repos/{owner}/{repo}/statuses/{sha}` (`state`,
/// `target_url`, `description`, `context`), GitLab's `POST /projects/{id}/statuses/{sha}`
/// (`state`, `name`, `description`, `target_url`), a JSON webhook, a Slack-compatible
/// `{"text": ...}`, or a CloudEvents 1.0 event in structured mode.
public struct NotificationRequest: Sendable, Hashable {
    /// The URL.
    public var url: URL
    /// The headers, the token's among them.
    public var headers: [String: String]
    /// The JSON body.
    public var body: Data

    /// The status's name on the forges.
    public static let context = "continuum/apply"

    /// The request for `notice` to `target`, with `token` when it has one; nil when the
    /// target does not want this event.
    public static func make(_ notice: ReconcileNotice, to target: NotificationTarget, token: String?, source: String) -> NotificationRequest? {
        guard target.events.contains(notice.event) else { return nil }
        var headers = ["Content-Type": "application/json", "User-Agent": "continuum"]
        let description = String(notice.summary.prefix(140))
        let base = target.url.absoluteString.hasSuffix("/") ? String(target.url.absoluteString.dropLast()) : target.url.absoluteString
        let urlText: String
        var body: [String: String] = [:]
        switch target.kind {
        case .github:
            urlText = "\(base)/repos/\(target.repository ?? "")/statuses/\(notice.commit)"
            headers["Accept"] = "application/vnd.github+json"
            headers["X-GitHub-Api-Version"] = "2022-11-28"
            if let token { headers["Authorization"] = "Bearer \(token)" }
            body = ["state": githubState(notice.event), "description": description, "context": context]
            body["target_url"] = target.link?.absoluteString
        case .gitlab:
            let project = target.repository?.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            urlText = "\(base)/projects/\(project)/statuses/\(notice.commit)"
            if let token { headers["PRIVATE-TOKEN"] = token }
            body = ["state": gitlabState(notice.event), "description": String(notice.summary.prefix(255)), "name": context]
            body["target_url"] = target.link?.absoluteString
        case .webhook, .slack, .cloudevents:
            urlText = base
            if let token { headers["Authorization"] = "Bearer \(token)" }
        }
        guard let url = URL(string: urlText) else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data: Data?
        switch target.kind {
        case .github, .gitlab: data = try? encoder.encode(body)
        case .webhook: data = try? encoder.encode(WebhookBody(notice: notice, link: target.link?.absoluteString))
        case .slack:
            let link = target.link.map { " (<\($0.absoluteString)|status>)" } ?? ""
            data = try? encoder.encode(["text": "Continuum: \(notice.event.rawValue) commit \(notice.commit.prefix(12)): \(notice.summary)\(link)"])
        case .cloudevents:
            headers["Content-Type"] = "application/cloudevents+json; charset=utf-8"
            data = try? encoder.encode(CloudEvent(notice: notice, source: source))
        }
        guard let data else { return nil }
        return NotificationRequest(url: url, headers: headers, body: data)
    }

    /// GitHub's states: pending, success, failure, error.
    private static func githubState(_ event: NotificationTarget.Event) -> String {
        switch event {
        case .started, .held: "pending"
        case .applied, .driftCorrected: "success"
        case .failed, .preempted: "error"
        case .rejected: "failure"
        }
    }

    /// GitLab's states: pending, running, success, failed, canceled.
    private static func gitlabState(_ event: NotificationTarget.Event) -> String {
        switch event {
        case .started: "running"
        case .held: "pending"
        case .applied, .driftCorrected: "success"
        case .failed, .rejected: "failed"
        case .preempted: "canceled"
        }
    }

    /// A generic webhook's document.
    struct WebhookBody: Encodable {
        var event: String
        var commit: String
        var summary: String
        var message: String
        var time: Date
        var link: String?

        init(notice: ReconcileNotice, link: String?) {
            event = notice.event.rawValue
            commit = notice.commit
            summary = notice.summary
            message = notice.message
            time = notice.time
            self.link = link
        }
    }

    /// A CloudEvents 1.0 event, structured mode.
    struct CloudEvent: Encodable {
        var specversion = "1.0"
        var id = UUID().uuidString.lowercased()
        var source: String
        var type: String
        var subject: String
        var time: Date
        var datacontenttype = "application/json"
        var data: WebhookBody

        init(notice: ReconcileNotice, source: String) {
            self.source = source
            type = "dev.continuum.reconcile.\(notice.event.rawValue)"
            subject = notice.commit
            time = notice.time
            data = WebhookBody(notice: notice, link: nil)
        }
    }
}
