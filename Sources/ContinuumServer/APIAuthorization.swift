import HTTPTypes
import Hummingbird

/// Checks the bearer token of requests to the API (`GET` needs the read role, anything else
/// the write role) or to `/metrics`: 401 with `WWW-Authenticate: Bearer` when the token is
/// missing or wrong, 403 when it lacks the role; both with a JSON `error` and `remedy`.
struct APIAuthorization<Context: RequestContext>: RouterMiddleware {
    /// What is guarded.
    enum Scope: Sendable {
        /// `/api/v1/*`.
        case api
        /// `/metrics`: open on a loopback listener.
        case metrics
    }

    let access: APIAccess
    let scope: Scope

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let authorization = request.headers[.authorization]
        let decision = switch scope {
        case .api: access.decide(authorization: authorization, role: request.method == .get || request.method == .head ? .read : .write)
        case .metrics: access.decideMetrics(authorization: authorization)
        }
        switch decision {
        case .allowed:
            return try await next(request, context)
        case .unauthorized(let error, let remedy):
            var response = ControllerRoutes.error(error, remedy: remedy, status: .unauthorized)
            response.headers[.wwwAuthenticate] = authorization == nil ? #"Bearer realm="continuum""# : #"Bearer realm="continuum", error="invalid_token""#
            return response
        case .forbidden(let error, let remedy):
            var response = ControllerRoutes.error(error, remedy: remedy, status: .forbidden)
            response.headers[.wwwAuthenticate] = #"Bearer realm="continuum", error="insufficient_scope", scope="write""#
            return response
        }
    }
}
