import ContinuumEngine
import ContinuumController
import ContinuumGit
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /hooks/github`, `/hooks/gitlab` and `/hooks/generic`: a push with a valid
/// signature (or token) triggers a fetch (coalesced, after any backoff); a wrong or missing
/// one is 401 and triggers nothing; a push to a branch the controller does not track is
/// acknowledged and ignored.
struct WebhookReceiver: Sendable {
    // The headers read, by name; each literal is a valid field name, so the fallback is never taken.
    static let gitlabToken = HTTPField.Name("X-Gitlab-Token") ?? .authorization
    static let hubSignature = HTTPField.Name("X-Hub-Signature-256") ?? .authorization
    static let signature = HTTPField.Name("X-Signature-256") ?? .authorization
    static let githubEvent = HTTPField.Name("X-GitHub-Event") ?? .authorization

    let controller: Controller
    /// The webhook secret; without one every receiver answers 403.
    let secret: String?
    /// The largest body read, in bytes.
    let maximumBodySize: Int

    func receive(_ request: Request, host: String) async -> Response {
        guard ["github", "gitlab", "generic"].contains(host) else {
            return ControllerRoutes.error("no webhook receiver '\(host)'; use /hooks/github, /hooks/gitlab or /hooks/generic", status: .notFound)
        }
        guard let secret else {
            return ControllerRoutes.error("webhooks are disabled: start the controller with --webhook-secret-file", status: .forbidden)
        }
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: maximumBodySize))
        } catch {
            return ControllerRoutes.error("the body is over \(maximumBodySize) bytes", status: .contentTooLarge)
        }
        let verifier = WebhookVerifier(secret: secret)
        let headers = request.headers
        let authentic = switch host {
        case "gitlab": verifier.isValidToken(headers[Self.gitlabToken])
        case "github": verifier.isValidSignature(headers[Self.hubSignature], body: body)
        default: verifier.isValidSignature(headers[Self.signature] ?? headers[Self.hubSignature], body: body)
        }
        guard authentic else {
            return ControllerRoutes.error(
                host == "gitlab" ? "the X-Gitlab-Token header is missing or wrong" : "the signature header is missing or wrong (HMAC-SHA256 of the body with the webhook secret, as sha256=<hex>)",
                status: .unauthorized)
        }
        if host == "github", let event = headers[Self.githubEvent], event != "push" {
            return ControllerRoutes.json(["result": "ignored: a '\(event)' event, not a push"], status: .ok)
        }
        if host != "generic" {
            let reference = controller.configuration.source.reference
            guard let push = PushEvent.parse(body), push.concerns(reference) else {
                return ControllerRoutes.json(["result": "ignored: the push does not change the tracked \(reference)"], status: .ok)
            }
        }
        let receipt = await controller.trigger()
        return ControllerRoutes.json(["result": "fetch triggered: \(receipt.message)"], status: .accepted)
    }
}
