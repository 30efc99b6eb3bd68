public import Foundation

/// Where the controller reports what it did, from the operator configuration's
/// `notifications`: a forge's commit statuses (GitHub, GitLab), a generic JSON webhook, a
/// Slack-compatible incoming webhook, or CloudEvents. Endpoints and tokens are the
/// operator's, never a spec's.
public struct NotificationTarget: Sendable, Hashable {
    /// What kind of endpoint it is.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// GitHub's commit statuses: `POST {url}/repos/{repository}/statuses/{sha}`.
        case github
        /// GitLab's commit statuses: `POST {url}/projects/{repository}/statuses/{sha}`.
        case gitlab
        /// A JSON document per event, posted to `url`.
        case webhook
        /// A Slack-compatible incoming webhook: `{"text": ...}` posted to `url`.
        case slack
        /// A CloudEvents 1.0 event in structured mode, posted to `url`.
        case cloudevents
    }

    /// What the controller reports.
    public enum Event: String, Sendable, Hashable, CaseIterable, Codable {
        /// A reconcile of a new commit started (forges: a pending status).
        case started
        /// A commit's plan was applied, or it needed nothing.
        case applied
        /// A reconcile failed.
        case failed
        /// Drift was found and corrected.
        case driftCorrected
        /// A commit was held for review.
        case held
        /// A commit was rejected: its specs are invalid or its plan refused.
        case rejected
        /// A newer commit pre-empted a commit's reconcile (its waits were cut short).
        case preempted
    }

    /// Its name in the configuration.
    public var name: String
    /// What kind of endpoint it is.
    public var kind: Kind
    /// The API's base URL (forges: `https://api.github.com`, `https://gitlab.example/api/v4`)
    /// or the endpoint itself.
    public var url: URL
    /// The forge's repository: `owner/name` (GitHub) or the project's id or path (GitLab).
    public var repository: String?
    /// The token sent (`Authorization: Bearer`, or GitLab's `PRIVATE-TOKEN`).
    public var token: OperatorSecret?
    /// The events sent (all by default).
    public var events: Set<Event>
    /// The link in statuses and messages: the controller's status page, say.
    public var link: URL?
    /// Whether the token may be sent over plain `http://` (labs only).
    public var allowPlaintext: Bool

    /// Creates a target.
    public init(
        name: String, kind: Kind, url: URL, repository: String? = nil, token: OperatorSecret? = nil, events: Set<Event> = Set(Event.allCases),
        link: URL? = nil, allowPlaintext: Bool = false
    ) {
        self.name = name
        self.kind = kind
        self.url = url
        self.repository = repository
        self.token = token
        self.events = events
        self.link = link
        self.allowPlaintext = allowPlaintext
    }
}
