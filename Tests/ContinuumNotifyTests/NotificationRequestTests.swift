import ContinuumEngine
import ContinuumNotify
import Foundation
import Testing

/// Each target's request, as its documentation describes it.
@Suite("Notification requests")
struct NotificationRequestTests {
    static let sha = "0123456789abcdef0123456789abcdef01234567"
    static let notice = ReconcileNotice(event: .applied, commit: sha, summary: "Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy.",
        message: "applied commit 0123456789ab", time: Date(timeIntervalSince1970: 1_800_000_000))

    static func json(_ request: NotificationRequest?) throws -> [String: Any] {
        let request = try #require(request)
        let object = try JSONSerialization.jsonObject(with: request.body)
        return try #require(object as? [String: Any])
    }

    @Test func gitHubGetsACommitStatus() throws {
        let target = NotificationTarget(name: "gh", kind: .github, url: try #require(URL(string: "https://api.github.example/")), repository: "fleet/specs",
            link: URL(string: "https://continuum.example/api/v1/status"))
        let request = try #require(NotificationRequest.make(Self.notice, to: target, token: "ghs_x", source: "continuum/test"))
        #expect(request.url.absoluteString == "https://api.github.example/repos/fleet/specs/statuses/\(Self.sha)")
        #expect(request.headers["Authorization"] == "Bearer ghs_x")
        #expect(request.headers["Accept"] == "application/vnd.github+json")
        #expect(request.headers["X-GitHub-Api-Version"] == "2022-11-28")
        let body = try Self.json(request)
        #expect(body["state"] as? String == "success")
        #expect(body["context"] as? String == "continuum/apply")
        #expect(body["description"] as? String == Self.notice.summary)
        #expect(body["target_url"] as? String == "https://continuum.example/api/v1/status")
    }

    @Test(arguments: [
        (NotificationTarget.Event.started, "pending", "running"), (.applied, "success", "success"), (.driftCorrected, "success", "success"),
        (.failed, "error", "failed"), (.rejected, "failure", "failed"), (.held, "pending", "pending"),
    ])
    func forgeStatesFollowTheEvent(event: NotificationTarget.Event, github: String, gitlab: String) throws {
        var notice = Self.notice
        notice.event = event
        let gh = NotificationTarget(name: "gh", kind: .github, url: try #require(URL(string: "https://api.github.com")), repository: "o/r")
        let gl = NotificationTarget(name: "gl", kind: .gitlab, url: try #require(URL(string: "https://gitlab.example/api/v4")), repository: "fleet/specs")
        #expect(try Self.json(NotificationRequest.make(notice, to: gh, token: nil, source: "s"))["state"] as? String == github)
        let request = try #require(NotificationRequest.make(notice, to: gl, token: "glpat", source: "s"))
        #expect(try Self.json(request)["state"] as? String == gitlab)
        #expect(try Self.json(request)["name"] as? String == "continuum/apply")
        #expect(request.url.absoluteString == "https://gitlab.example/api/v4/projects/fleet%2Fspecs/statuses/\(Self.sha)", "a project path is URL-encoded")
        #expect(request.headers["PRIVATE-TOKEN"] == "glpat")
    }

    @Test func webhooksSlackAndCloudEventsCarryTheNotice() throws {
        let url = try #require(URL(string: "https://hooks.example/continuum"))
        let webhook = try Self.json(NotificationRequest.make(Self.notice, to: NotificationTarget(name: "w", kind: .webhook, url: url), token: nil, source: "s"))
        #expect(webhook["event"] as? String == "applied" && webhook["commit"] as? String == Self.sha && webhook["summary"] as? String == Self.notice.summary)
        #expect(webhook["time"] as? String == "2027-01-15T08:00:00Z")
        let slack = try Self.json(NotificationRequest.make(Self.notice, to: NotificationTarget(name: "s", kind: .slack, url: url), token: nil, source: "s"))
        #expect(slack["text"] as? String == "Continuum: applied commit 0123456789ab: \(Self.notice.summary)")
        let request = try #require(NotificationRequest.make(Self.notice, to: NotificationTarget(name: "c", kind: .cloudevents, url: url), token: "t", source: "continuum/r1"))
        #expect(request.headers["Content-Type"] == "application/cloudevents+json; charset=utf-8")
        #expect(request.headers["Authorization"] == "Bearer t")
        let event = try Self.json(request)
        #expect(event["specversion"] as? String == "1.0" && event["type"] as? String == "dev.continuum.reconcile.applied")
        #expect(event["source"] as? String == "continuum/r1" && event["subject"] as? String == Self.sha && (event["id"] as? String)?.isEmpty == false)
        #expect((event["data"] as? [String: Any])?["summary"] as? String == Self.notice.summary)
    }

    @Test func aTargetGetsOnlyTheEventsItAskedFor() throws {
        let target = NotificationTarget(name: "w", kind: .webhook, url: try #require(URL(string: "https://hooks.example")), events: [.failed, .held])
        #expect(NotificationRequest.make(Self.notice, to: target, token: nil, source: "s") == nil)
        var failed = Self.notice
        failed.event = .failed
        #expect(NotificationRequest.make(failed, to: target, token: nil, source: "s") != nil)
    }
}
