import ContinuumEngine
import ContinuumController
import ContinuumSpec
import Foundation
import Hummingbird
import NIOCore
import Prometheus

/// The routes of the controller's main listener: probes (open), `/metrics` (open on a
/// loopback listener, else a read token) and the API (tokens by role, when configured).
/// The webhooks are not here: they have a listener of their own (`WebhookServer`).
struct ControllerRoutes: Sendable {
    let controller: Controller
    let registry: PrometheusCollectorRegistry
    let access: APIAccess

    func add(to router: Router<BasicRequestContext>) {
        router.get("healthz") { _, _ in Self.text("ok\n") }
        router.get("readyz") { _, _ in
            await controller.isReady()
                ? Self.text("ready\n")
                : Self.text("not ready: the Git source has not been fetched yet, or the state store cannot be read\n", status: .serviceUnavailable)
        }
        router.group("metrics").add(middleware: APIAuthorization(access: access, scope: .metrics)).get { _, _ in
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        let api = router.group("api/v1").add(middleware: APIAuthorization(access: access, scope: .api))
        api.get("status") { _, _ in Self.json(await controller.currentStatus()) }
        api.get("resources") { _, _ in
            do {
                return Self.json(["resources": try await controller.resources()])
            } catch {
                return Self.error("\(error)", status: .serviceUnavailable)
            }
        }
        api.get("resources/:kind/:name") { _, context in
            let kind = context.parameters.get("kind") ?? ""
            let name = context.parameters.get("name") ?? ""
            guard let resourceKind = ResourceKind(rawValue: kind) else {
                return Self.error("unknown kind '\(kind)'; kinds are \(ResourceKind.allCases.map(\.rawValue).joined(separator: ", "))", status: .notFound)
            }
            do {
                guard let report = try await controller.resource(ResourceID(resourceKind, name)) else {
                    return Self.error("\(kind)/\(name) is neither in the applied specs nor in the state", status: .notFound)
                }
                return Self.json(report)
            } catch {
                return Self.error("\(error)", status: .serviceUnavailable)
            }
        }
        api.post("reconcile") { _, _ in
            Self.json(await controller.trigger(), status: .accepted)
        }
        api.get("history") { request, _ in
            let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 50
            guard (1...1000).contains(limit) else { return Self.error("limit must be 1 to 1000", status: .badRequest) }
            do {
                return Self.json(["applies": try await controller.history(limit: limit)])
            } catch {
                return Self.error("\(error)", status: .serviceUnavailable)
            }
        }
        api.post("plans") { request, _ in
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.maximumPlanRequestBytes)
            } catch {
                return Self.error("the request body is over \(Self.maximumPlanRequestBytes) bytes", status: .contentTooLarge)
            }
            guard let planRequest = try? JSONDecoder().decode(PlanRequest.self, from: Data(body.readableBytesView)) else {
                return Self.error("the body must be JSON: {\"ref\": \"BRANCH\"} or {\"commit\": \"SHA\"}, with an optional \"format\": \"text\", \"markdown\" or \"json\"",
                    status: .badRequest)
            }
            do throws(PlanServiceError) {
                return Self.json(try await controller.servePlan(planRequest))
            } catch {
                return Self.answer(error)
            }
        }
        for action in ["suspend", "resume"] {
            api.post(RouterPath(stringLiteral: action)) { request, _ in
                let body = try? await request.body.collect(upTo: Self.maximumPlanRequestBytes)
                let text = body.map { String(buffer: $0) } ?? ""
                var resource: ResourceID?
                var tracking = false
                if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    if action == "resume", (try? JSONDecoder().decode([String: Bool].self, from: Data(text.utf8))) == ["tracking": true] {
                        tracking = true
                    } else {
                        guard let asked = try? JSONDecoder().decode([String: String].self, from: Data(text.utf8)),
                            asked.keys.allSatisfy({ $0 == "resource" }), let id = asked["resource"].flatMap(ResourceID.init(parsing:)) else {
                            return Self.error("the body must be empty (the whole controller) or JSON: {\"resource\": \"Kind/name\"} (resume: or {\"tracking\": true})",
                                status: .badRequest)
                        }
                        resource = id
                    }
                }
                do {
                    let message = action == "suspend" ? try await controller.suspend(resource)
                        : tracking ? try await controller.resumeTracking() : try await controller.resume(resource)
                    return Self.json(["message": message])
                } catch {
                    return Self.error("\(error)", status: .serviceUnavailable)
                }
            }
        }
        api.post("pin") { request, _ in
            guard let commit = await Self.commit(in: request) else { return Self.commitRequired }
            do {
                return Self.json(["message": try await controller.pin(commit)])
            } catch let error as ControlError {
                return Self.error("\(error)", status: error.isRequestError ? .unprocessableContent : .serviceUnavailable)
            }
        }
        api.post("approve") { request, _ in
            guard let commit = await Self.commit(in: request) else { return Self.commitRequired }
            do {
                return Self.json(["message": try await controller.approve(commit: commit)])
            } catch let error as ControlError {
                return Self.error("\(error)", status: error.isRequestError ? .unprocessableContent : .serviceUnavailable)
            }
        }
        api.get("plans/:commit") { _, context in
            let commit = context.parameters.get("commit") ?? ""
            guard let served = await controller.servedPlan(commit: commit) else {
                return Self.error("no plan was served for commit \(commit)", remedy: "POST /api/v1/plans with {\"commit\": \"\(commit)\"} to make one", status: .notFound)
            }
            return Self.json(served)
        }
    }

    /// The commit of a `{"commit": "SHA"}` body (7 to 40 hexadecimal digits, lower-cased);
    /// nil for any other body.
    static func commit(in request: Request) async -> String? {
        guard let body = try? await request.body.collect(upTo: maximumPlanRequestBytes),
            let asked = try? JSONDecoder().decode([String: String].self, from: Data(body.readableBytesView)), let commit = asked["commit"],
            (7...40).contains(commit.count), commit.unicodeScalars.allSatisfy(\.properties.isASCIIHexDigit) else { return nil }
        return commit.lowercased()
    }

    /// The answer to a body without a commit.
    static var commitRequired: Response {
        error("the body must be JSON: {\"commit\": \"SHA\"}, 7 to 40 hexadecimal digits", status: .badRequest)
    }

    /// The largest plan request body.
    static let maximumPlanRequestBytes = 64 * 1024

    /// The HTTP answer to a plan that was not served.
    static func answer(_ error: PlanServiceError) -> Response {
        switch error {
        case .badRequest(let message): return Self.error(message, status: .badRequest)
        case .busy: return Self.error(error.description, status: .tooManyRequests)
        case .fetch(let message, let notFound):
            return Self.error(message, remedy: notFound ? "push the branch, or check the ref's name" : nil, status: notFound ? .notFound : .badGateway)
        case .invalid(let diagnostics):
            return json(InvalidSpecs(error: error.description, errors: diagnostics.map(\.description)), status: .unprocessableContent)
        case .failed(let message): return Self.error(message, status: .serviceUnavailable)
        }
    }

    /// A 422 answer: every error with its `file:line:col`.
    struct InvalidSpecs: Encodable {
        var error: String
        var errors: [String]
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value) else { return error("cannot encode the answer", status: .internalServerError) }
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data + [0x0a])))
    }

    /// A JSON error: `{"error": ...}`, with `"remedy"` when there is one.
    static func error(_ message: String, remedy: String? = nil, status: HTTPResponse.Status) -> Response {
        var body = ["error": message]
        if let remedy { body["remedy"] = remedy }
        return json(body, status: status)
    }
}
