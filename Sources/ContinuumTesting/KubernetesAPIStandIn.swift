import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import Synchronization

/// A stand-in for a Kubernetes API server on loopback, for the cluster tests: no
/// kube-apiserver (nor k3s) can run here, so this answers the few calls Continuum makes
/// (`/readyz`, nodes, pods, cordon, eviction, node deletion) from state the test sets,
/// checks the bearer token, and records every request.
///
/// It serves HTTPS, as k3s does. Until a test hands it the cluster's server CA (read from
/// the cloud-init of the machine that starts the cluster, as k3s reads it), it presents a
/// certificate of a CA of its own, which Continuum must refuse; afterwards a serving
/// certificate for 127.0.0.1 signed by the cluster's CA, as k3s would.
public final class KubernetesAPIStandIn: Sendable {
    /// A node the stand-in reports.
    public struct Node: Sendable, Hashable {
        /// Its name.
        public var name: String
        /// Whether its Ready condition is True.
        public var ready: Bool
        /// Whether it is cordoned.
        public var unschedulable = false
    }

    /// A pod on a node.
    public struct Pod: Sendable, Hashable {
        /// Its namespace.
        public var namespace: String
        /// Its name.
        public var name: String
        /// The node it runs on.
        public var node: String
        /// Whether a DaemonSet owns it (a drain leaves it).
        public var daemonSet = false
        /// How many evictions a PodDisruptionBudget refuses (429) before one succeeds.
        public var refusals = 0

        /// Creates a pod.
        public init(namespace: String = "default", name: String, node: String, daemonSet: Bool = false, refusals: Int = 0) {
            self.namespace = namespace
            self.name = name
            self.node = node
            self.daemonSet = daemonSet
            self.refusals = refusals
        }
    }

    private struct State {
        var ready = true
        var nodes: [String: Node] = [:]
        var pods: [Pod] = []
        var requests: [String] = []
        var token: String?
    }

    private final class Store: Sendable {
        let state = Mutex(State())
    }

    private let store = Store()
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)
    /// The serving certificate signed by the cluster's CA, once the test hands it over.
    private final class Serving: Sendable {
        let override = Mutex<NIOSSLContextConfigurationOverride?>(nil)
    }

    private let serving: Serving
    /// The port it listens on.
    public let port: Int

    /// Starts the stand-in on a free loopback port, presenting a certificate of its own CA.
    public init() async throws {
        let router = Router()
        Self.routes(router, store)
        let impostor = try TestCertificates.authority(name: "kubernetes-api-stand-in-ca")
        let (chain, key) = try TestCertificates.servingCertificate(for: [127, 0, 0, 1], signedBy: impostor)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        let serving = Serving()
        self.serving = serving
        tls.sslContextCallback = { _, promise in promise.succeed(serving.override.withLock { $0 } ?? .noChanges) }
        let server = try HTTPServerBuilder.tls(.http1(), tlsConfiguration: tls)
        let (port, running) = try await LoopbackApplication.start("the Kubernetes API stand-in") { onServerRunning in
            Application(router: router, server: server, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: onServerRunning, logger: Self.quiet)
        }
        self.port = port
        task.withLock { $0 = running }
    }

    /// From now on, presents a serving certificate for `address` (127.0.0.1, where it
    /// listens, unless a test wants a certificate for another address) signed by the CA
    /// with this certificate and key (PEM): what k3s does with the custom CA it was given.
    public func serve(signedBy certificatePEM: String, key keyPEM: String, for address: [UInt8] = [127, 0, 0, 1]) throws {
        let (chain, key) = try TestCertificates.servingCertificate(for: address, signedBy: (certificatePEM, keyPEM))
        var override = NIOSSLContextConfigurationOverride()
        override.certificateChain = chain.map { .certificate($0) }
        override.privateKey = .privateKey(key)
        serving.override.withLock { $0 = override }
    }

    /// The server CA's certificate and key that a control-plane machine's cloud-init writes
    /// for k3s (`/var/lib/rancher/k3s/server/tls/server-ca.crt` and `.key`); nil when it
    /// writes none (a machine that joins a running cluster).
    public static func serverCA(inCloudInit text: String) -> (certificate: String, key: String)? {
        func file(_ path: String) -> String? {
            let lines = text.components(separatedBy: "\n")
            guard let start = lines.firstIndex(of: "  - path: \(path)") else { return nil }
            let content = lines[(start + 1)...].drop { !$0.hasPrefix("    content: |") }.dropFirst().prefix { $0.hasPrefix("      ") }
            return content.isEmpty ? nil : content.map { String($0.dropFirst(6)) }.joined(separator: "\n") + "\n"
        }
        guard let certificate = file("/var/lib/rancher/k3s/server/tls/server-ca.crt"), let key = file("/var/lib/rancher/k3s/server/tls/server-ca.key") else { return nil }
        return (certificate, key)
    }

    /// A logger that keeps the server's shutdown chatter out of the test output.
    private static let quiet: Logger = {
        var logger = Logger(label: "kubernetes-api-stand-in")
        logger.logLevel = .critical
        return logger
    }()

    /// The stand-in's URL.
    public var url: URL { URL(string: "https://127.0.0.1:\(port)") ?? URL(fileURLWithPath: "/") }

    /// Accepts only this bearer token (nil: any).
    public func requireToken(_ token: String?) { store.state.withLock { $0.token = token } }

    /// Sets whether `/readyz` answers `ok`.
    public func setReady(_ ready: Bool) { store.state.withLock { $0.ready = ready } }

    /// Registers or updates a node.
    public func setNode(_ name: String, ready: Bool) {
        store.state.withLock { $0.nodes[name, default: Node(name: name, ready: ready)].ready = ready }
    }

    /// Adds a pod.
    public func addPod(_ pod: Pod) { store.state.withLock { $0.pods.append(pod) } }

    /// The nodes now.
    public var nodes: [String: Node] { store.state.withLock { $0.nodes } }
    /// The pods now.
    public var pods: [Pod] { store.state.withLock { $0.pods } }
    /// Every request so far, as `METHOD /path`.
    public var requests: [String] { store.state.withLock { $0.requests } }

    /// Stops the server.
    public func stop() { task.withLock { $0?.cancel() } }

    deinit { task.withLock { $0?.cancel() } }

    private static func routes(_ router: Router<BasicRequestContext>, _ store: Store) {
        @Sendable func authorized(_ request: Request) -> Bool {
            store.state.withLock { current in
                current.requests.append("\(request.method.rawValue) \(request.uri.path)")
                guard let token = current.token else { return true }
                return request.headers[.authorization] == "Bearer \(token)"
            }
        }
        @Sendable func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
            let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
            return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        @Sendable func unauthorized() -> Response { json(["kind": "Status", "message": "Unauthorized"], status: .unauthorized) }
        router.get("/readyz") { request, _ -> Response in
            _ = authorized(request)
            return store.state.withLock { $0.ready } ? Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok"))) : Response(status: .internalServerError, body: .init(byteBuffer: ByteBuffer(string: "[-]etcd failed")))
        }
        router.get("/api/v1/nodes") { request, _ -> Response in
            guard authorized(request) else { return unauthorized() }
            let items = store.state.withLock { $0.nodes.values.sorted { $0.name < $1.name } }.map { node -> [String: Any] in
                ["metadata": ["name": node.name], "spec": ["unschedulable": node.unschedulable],
                 "status": ["conditions": [["type": "Ready", "status": node.ready ? "True" : "False"]]]]
            }
            return json(["kind": "NodeList", "items": items])
        }
        router.patch("/api/v1/nodes/:name") { request, context -> Response in
            guard authorized(request) else { return unauthorized() }
            let name = context.parameters.get("name") ?? ""
            let body = try await request.body.collect(upTo: 1 << 20)
            let patch = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
            let cordon = (patch?["spec"] as? [String: Any])?["unschedulable"] as? Bool
            let found = store.state.withLock { current -> Bool in
                guard current.nodes[name] != nil else { return false }
                if let cordon { current.nodes[name]?.unschedulable = cordon }
                return true
            }
            return found ? json(["metadata": ["name": name]]) : json(["message": "nodes \"\(name)\" not found"], status: .notFound)
        }
        router.delete("/api/v1/nodes/:name") { request, context -> Response in
            guard authorized(request) else { return unauthorized() }
            let name = context.parameters.get("name") ?? ""
            let found = store.state.withLock { $0.nodes.removeValue(forKey: name) != nil }
            return found ? json(["kind": "Status", "status": "Success"]) : json(["message": "nodes \"\(name)\" not found"], status: .notFound)
        }
        router.get("/api/v1/pods") { request, _ -> Response in
            guard authorized(request) else { return unauthorized() }
            let selector = request.uri.queryParameters.get("fieldSelector") ?? ""
            let node = selector.hasPrefix("spec.nodeName=") ? String(selector.dropFirst("spec.nodeName=".count)) : nil
            let items = store.state.withLock { $0.pods }.filter { node == nil || $0.node == node }.map { pod -> [String: Any] in
                var metadata: [String: Any] = ["name": pod.name, "namespace": pod.namespace]
                if pod.daemonSet { metadata["ownerReferences"] = [["kind": "DaemonSet", "name": "ds"]] }
                return ["metadata": metadata, "spec": ["nodeName": pod.node], "status": ["phase": "Running"]]
            }
            return json(["kind": "PodList", "items": items])
        }
        router.post("/api/v1/namespaces/:namespace/pods/:name/eviction") { request, context -> Response in
            guard authorized(request) else { return unauthorized() }
            let namespace = context.parameters.get("namespace") ?? "", name = context.parameters.get("name") ?? ""
            let outcome = store.state.withLock { current -> HTTPResponse.Status in
                guard let index = current.pods.firstIndex(where: { $0.namespace == namespace && $0.name == name }) else { return .notFound }
                if current.pods[index].refusals > 0 {
                    current.pods[index].refusals -= 1
                    return .tooManyRequests
                }
                current.pods.remove(at: index)
                return .created
            }
            return json(["kind": "Status"], status: outcome)
        }
    }
}
