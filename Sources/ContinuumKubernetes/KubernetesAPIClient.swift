import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1
import NIOFoundationCompat
import NIOSSL

/// The few Kubernetes API calls Continuum makes on a cluster it created: `/readyz`, the
/// node list, and draining a node (cordon, evict its pods, delete the node object). It
/// authenticates with Continuum's bearer token (a static token k3s was configured with).
///
/// The server's certificate must chain to the cluster's server CA, which Continuum
/// generated and gave to k3s, and nothing else, and must name the address connected to
/// (k3s puts its node addresses in it): the token is sent only after that TLS handshake
/// succeeded. Only an operator's explicit switch turns verification off.
public struct KubernetesAPIClient: Sendable {
    /// Whom the client trusts.
    public enum Trust: Sendable, Hashable {
        /// Exactly this CA certificate (PEM): the cluster's server CA.
        case certificateAuthority(String)
        /// Nothing is verified (the operator's `insecureSkipClusterVerify`).
        case unverified
    }

    /// The API server, for example `https://10.20.0.11:6443`.
    public let endpoint: URL
    private let token: String
    private let timeout: TimeAmount
    private let trust: Trust

    /// A client of the API at `endpoint` that trusts `trust`.
    public init(endpoint: URL, token: String, trust: Trust, timeout: Duration = .seconds(10)) {
        self.endpoint = endpoint
        self.token = token
        self.trust = trust
        self.timeout = .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
    }

    /// Whether `/readyz` answers 200 `ok`.
    /// - Throws: `KubernetesAPIError` when the server cannot be asked (unreachable, or a
    ///   certificate that is not the cluster's).
    public func readiness() async throws(KubernetesAPIError) -> Bool {
        let (status, body) = try await send(.GET, "/readyz")
        return status == 200 && String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "ok"
    }

    /// Every node, with its `Ready` condition.
    public func nodes() async throws(KubernetesAPIError) -> [KubernetesNode] {
        let list = try await json(.GET, "/api/v1/nodes")
        return (list["items"] as? [[String: Any]] ?? []).compactMap { item in
            guard let name = (item["metadata"] as? [String: Any])?["name"] as? String else { return nil }
            let conditions = (item["status"] as? [String: Any])?["conditions"] as? [[String: Any]] ?? []
            let ready = conditions.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" }
            let unschedulable = (item["spec"] as? [String: Any])?["unschedulable"] as? Bool ?? false
            return KubernetesNode(name: name, isReady: ready, isUnschedulable: unschedulable)
        }
    }

    /// Marks the node unschedulable.
    public func cordon(_ node: String) async throws(KubernetesAPIError) {
        _ = try await json(.PATCH, "/api/v1/nodes/\(node)", body: ["spec": ["unschedulable": true]], contentType: "application/merge-patch+json", allowing: [404])
    }

    /// The pods on the node that a drain evicts: not those of DaemonSets, not static
    /// (mirror) pods, not finished ones.
    public func evictablePods(on node: String) async throws(KubernetesAPIError) -> [PodReference] {
        let list = try await json(.GET, "/api/v1/pods?fieldSelector=spec.nodeName%3D\(node)")
        return (list["items"] as? [[String: Any]] ?? []).compactMap { item in
            guard let metadata = item["metadata"] as? [String: Any], let name = metadata["name"] as? String else { return nil }
            let owners = metadata["ownerReferences"] as? [[String: Any]] ?? []
            let mirror = (metadata["annotations"] as? [String: Any])?["kubernetes.io/config.mirror"] != nil
            let phase = (item["status"] as? [String: Any])?["phase"] as? String
            guard !owners.contains(where: { $0["kind"] as? String == "DaemonSet" }), !mirror, phase != "Succeeded", phase != "Failed" else { return nil }
            return PodReference(namespace: metadata["namespace"] as? String ?? "default", name: name)
        }
    }

    /// Asks to evict the pod; false when a PodDisruptionBudget does not allow it now (429).
    public func evict(_ pod: PodReference) async throws(KubernetesAPIError) -> Bool {
        let body: [String: Any] = ["apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": pod.name, "namespace": pod.namespace]]
        let (status, data) = try await send(.POST, "/api/v1/namespaces/\(pod.namespace)/pods/\(pod.name)/eviction", body: body)
        if status == 429 { return false }
        guard (200..<300).contains(status) || status == 404 else { throw failure("evict pod \(pod.namespace)/\(pod.name)", status, data) }
        return true
    }

    /// Deletes the node object (k3s then removes a server from etcd); a gone node is fine.
    public func deleteNode(_ node: String) async throws(KubernetesAPIError) {
        _ = try await json(.DELETE, "/api/v1/nodes/\(node)", allowing: [404])
    }

    // MARK: - HTTP

    private func json(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil, contentType: String = "application/json", allowing: Set<UInt> = []) async throws(KubernetesAPIError) -> [String: Any] {
        let (status, data) = try await send(method, path, body: body, contentType: contentType)
        if allowing.contains(status) { return [:] }
        guard (200..<300).contains(status) else { throw failure("\(method.rawValue) \(path)", status, data) }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    private func send(_ method: HTTPMethod, _ path: String, body: [String: Any]? = nil, contentType: String = "application/json") async throws(KubernetesAPIError) -> (UInt, Data) {
        var request = HTTPClientRequest(url: endpoint.absoluteString.trimmingSuffix("/") + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Accept", value: "application/json")
        if let body, let data = try? JSONSerialization.data(withJSONObject: body) {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(data: data))
        }
        let client = try await KubernetesAPIClients.shared.client(trusting: trust, endpoint: endpoint.absoluteString)
        do {
            let response = try await client.execute(request, timeout: timeout)
            let bytes = try await response.body.collect(upTo: 16 << 20)
            return (response.status.code, Data(buffer: bytes))
        } catch let error as NIOSSLError {
            throw KubernetesAPIError(endpoint: endpoint.absoluteString, message: Self.untrusted(error), isTrustFailure: true)
        } catch let error as NIOSSLExtraError {
            throw KubernetesAPIError(endpoint: endpoint.absoluteString, message: Self.untrusted(error), isTrustFailure: true)
        } catch {
            throw KubernetesAPIError(endpoint: endpoint.absoluteString, message: "\(method.rawValue) \(path) failed: \(error)")
        }
    }

    /// A TLS failure: the server is not the cluster's (or not under the name connected to),
    /// and the token was never sent.
    private static func untrusted(_ error: any Error) -> String {
        "TLS verification failed (\(error)): the server's certificate is not signed by the cluster's server CA that Continuum generated, or does not name this address; the API token was not sent. If this cluster's k3s was not given Continuum's CA, an operator can set insecureSkipClusterVerify: true on the machines' connection"
    }

    private func failure(_ what: String, _ status: UInt, _ data: Data) -> KubernetesAPIError {
        let message = ((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])?["message"] as? String ?? String(decoding: data.prefix(200), as: UTF8.self)
        return KubernetesAPIError(endpoint: endpoint.absoluteString, message: "\(what) answered \(status): \(message)")
    }

}

/// A Kubernetes API call that failed.
public struct KubernetesAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The API server.
    public var endpoint: String
    /// What failed and how.
    public var message: String
    /// Whether the server's certificate failed verification (not the cluster's CA, or not
    /// for the address connected to): someone answers, but not the cluster.
    public var isTrustFailure: Bool

    /// An error of the API at `endpoint`.
    public init(endpoint: String, message: String, isTrustFailure: Bool = false) {
        self.endpoint = endpoint
        self.message = message
        self.isTrustFailure = isTrustFailure
    }

    public var description: String { "Kubernetes API \(endpoint): \(message)" }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
