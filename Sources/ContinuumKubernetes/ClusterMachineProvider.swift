public import ContinuumProvider
public import ContinuumSpec
import Foundation

/// Realises `KubernetesCluster`s on machine providers, wrapping them: the cluster's
/// machines are ordinary `VirtualMachine`s (libvirt) and `BareMetalNode`s (Redfish) of the
/// wrapped providers (expanded by `ClusterExpander`), and this provider adds what makes
/// them a cluster.
/// - Creating a machine fills in its cloud-init's placeholders (the generated tokens,
///   whether it starts the cluster or joins a running control-plane machine, and on the
///   machine that starts it the cluster's generated CAs), creates it, waits until it is a
///   Ready node, and then has the wrapped provider eject and delete its seed
///   (`BootstrapSeedRemoval`), which carries the tokens; a failed (or cancelled) create
///   removes it too. Once the machine is Ready, a failed removal does not fail the create
///   (that would provision it again): it is said as a warning and tried again when the
///   machine is next read (refreshed), adopted (`lookup`) or deleted.
/// - A machine adopted by `lookup` (a create that crashed or lost its reply) has its seed
///   removed then, and a deleted machine's seed goes with it.
/// - Every API call trusts exactly the cluster's server CA (read once per cluster).
/// - Removing a machine first drains its node through the API of another control-plane
///   machine (cordon, evict), then removes the machine, then deletes the node object. A
///   control-plane machine whose API fails TLS verification, or a CA that cannot be read,
///   fails the removal: the node is never removed undrained for want of trust.
/// - The cluster itself is ready when its API answers `/readyz` and every machine it
///   expects is a Ready node; its outputs come from the API.
public struct ClusterMachineProvider: Provider {
    /// The wrapped provider's name.
    public var name: String { inner.name }
    private let inner: any Provider
    private let secrets: GeneratedSecrets
    private let options: ClusterOptions
    private let directory: ClusterDirectory
    private let warnings = OnceEach()
    private let authorities = AuthorityCache()
    private let pending = PendingSeedRemovals.shared

    /// Wraps `inner`, sharing `directory` with the apply's other cluster providers.
    public init(wrapping inner: any Provider, secrets: GeneratedSecrets, directory: ClusterDirectory, options: ClusterOptions = ClusterOptions()) {
        self.inner = inner
        self.secrets = secrets
        self.options = options
        self.directory = directory
    }

    public func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject? {
        guard kind == .kubernetesCluster else {
            let found = try await inner.read(kind, providerID: providerID)
            // A seed whose removal failed once the machine was Ready: tried again now.
            if let seed = pending.seed(provider: name, providerID: providerID) {
                await removeSeedOrRetryLater(of: seed.kind, providerID: providerID, name: seed.name)
            }
            return found
        }
        let health = await health(of: providerID, preferring: [])
        return observed(providerID, health, version: nil)
    }

    public func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject? {
        guard id.kind == .kubernetesCluster else {
            let found = try await inner.lookup(id, idempotencyKey: idempotencyKey)
            // An adopted cluster machine (its create crashed or lost its reply) keeps no seed.
            if let found, id.kind == .virtualMachine || id.kind == .bareMetalNode, await isClusterMachine(id.name, providerID: found.providerID) {
                await removeSeedOrRetryLater(of: id.kind, providerID: found.providerID, name: id.name)
            }
            return found
        }
        return nil
    }

    public func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        if request.id.kind == .kubernetesCluster { return try await waitUntilReady(request) }
        if request.labels[ClusterLabels.cluster] != nil, request.id.kind == .virtualMachine || request.id.kind == .bareMetalNode {
            return try await createMachine(request)
        }
        return try await inner.create(request)
    }

    public func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        guard request.id.kind == .kubernetesCluster else { return try await inner.update(request) }
        return try await waitUntilReady(request)
    }

    public func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError) {
        guard kind != .kubernetesCluster else { return }
        guard kind == .virtualMachine || kind == .bareMetalNode, let member = await directory.member(providerID) else {
            return try await inner.delete(kind, providerID: providerID, idempotencyKey: idempotencyKey)
        }
        // As Cluster API does: drain, remove the machine, then the node object (deleted
        // while its kubelet still ran, the node would register again).
        let api = try await drain(member)
        try await inner.delete(kind, providerID: providerID, idempotencyKey: idempotencyKey)
        await directory.remove(providerID)
        // Its seed goes with it (left by a crash, or a removal that failed).
        await removeSeedOrRetryLater(of: kind, providerID: providerID, name: member.name)
        do {
            try await api?.deleteNode(member.name)
        } catch {
            throw ProviderError(.unavailable, provider: name, message: "\(member.name) is removed, but its node object could not be deleted: \(error)", remedy: "Continuum retries; or delete the node with kubectl")
        }
    }

    public func immutableFields(of kind: ResourceKind) -> [FieldPath] { inner.immutableFields(of: kind) }

    /// The machine provider's listing: machines are its objects. Clusters are not in it.
    public func revisions() async throws(ProviderError) -> [String: String]? { try await inner.revisions() }

    /// Cluster health is read over the network, so never local.
    public var isLocal: Bool { false }

    /// A cluster's health is read from its API at every refresh, never from a listing.
    public func listsRevisions(of kind: ResourceKind) -> Bool { kind != .kubernetesCluster && inner.listsRevisions(of: kind) }

    public func estimatedDuration(of operation: ProviderOperation, kind: ResourceKind) -> Duration {
        kind == .kubernetesCluster ? .seconds(60) : inner.estimatedDuration(of: operation, kind: kind) + (kind == .virtualMachine ? .seconds(60) : .zero)
    }

    // MARK: - Machines

    private func createMachine(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        let cluster = request.labels[ClusterLabels.cluster] ?? ""
        let isControlPlane = request.labels[ClusterLabels.role] == ClusterLabels.controlPlane
        let apiToken = try secret(cluster, "api-token")
        var filled = request
        if case .string(let userData)? = request.spec["userData"] {
            let join = try await joinLine(cluster: cluster, isControlPlane: isControlPlane, machine: request.id.name, token: apiToken)
            // The machine that starts the cluster gets its CAs; the others get them from it.
            var authorities = ""
            if join == Self.clusterInit {
                for role in ClusterCertificateAuthority.Role.allCases { authorities += try authority(cluster, role).writeFiles.joined(separator: "\n") + "\n" }
            }
            let text = userData
                .replacingOccurrences(of: ClusterPlaceholder.joinToken.rawValue, with: try secret(cluster, "join-token"))
                .replacingOccurrences(of: ClusterPlaceholder.apiToken.rawValue, with: apiToken)
                .replacingOccurrences(of: ClusterPlaceholder.join.rawValue, with: join)
                .replacingOccurrences(of: ClusterPlaceholder.certificateAuthorities.rawValue + "\n", with: authorities)
            filled.spec = Self.replacing("userData", with: .string(text), in: request.spec)
        }
        let observed = try await inner.create(filled)
        let address = observed.outputs["ipAddress"]?.outputText ?? ""
        await directory.add(ClusterMember(providerID: observed.providerID, name: request.id.name, cluster: cluster, isControlPlane: isControlPlane, address: address))
        do {
            try await waitForNode(request.id.name, cluster: cluster, token: apiToken)
        } catch {
            // The create fails (or is cancelled by its attempt's timeout): its seed (with
            // the tokens) goes too.
            await removeSeedOrRetryLater(of: request.id.kind, providerID: observed.providerID, name: request.id.name)
            throw error
        }
        // Ready: cloud-init has run, and the seed's tokens have done their work. A removal
        // that fails now must not fail the create (a retry would provision the machine
        // again): it is said, and tried again later.
        await removeSeedOrRetryLater(of: request.id.kind, providerID: observed.providerID, name: request.id.name)
        return observed
    }

    /// The join line of the machine that starts a cluster.
    private static let clusterInit = "cluster-init: true"

    /// Ejects and deletes the machine's cloud-init seed, where the wrapped provider hands
    /// machines seeds (`BootstrapSeedRemoval`). It runs in a task of its own, which does
    /// not inherit the caller's cancellation (an attempt's timeout cancels the create): the
    /// seed is removed all the same. A failure is said as a warning and remembered, and the
    /// removal is tried again when the machine is next read, adopted or deleted.
    private func removeSeedOrRetryLater(of kind: ResourceKind, providerID: String, name: String) async {
        guard let seeds = inner as? any BootstrapSeedRemoval else { return }
        let provider = self.name, pending = self.pending, warn = options.warn
        await Task {
            do throws(ProviderError) {
                try await seeds.removeBootstrapSeed(of: kind, providerID: providerID, name: name)
                pending.remove(provider: provider, providerID: providerID)
            } catch {
                pending.add(provider: provider, providerID: providerID, PendingSeedRemovals.Seed(kind: kind, name: name))
                warn("the cloud-init seed of \(kind.rawValue)/\(name) (it carries the cluster's tokens) could not be removed: \(error.message); Continuum tries again when it next refreshes, adopts or deletes the machine. Remedy: \(error.remedy)")
            }
        }.value
    }

    /// Whether an adopted machine is a cluster's: one the directory knows, or one named
    /// `<cluster>-...` after a cluster whose tokens were generated (the machines
    /// `ClusterExpander` makes; the adopted object carries no labels).
    private func isClusterMachine(_ machine: String, providerID: String) async -> Bool {
        if await directory.member(providerID) != nil { return true }
        var prefix = ""
        for part in machine.split(separator: "-", omittingEmptySubsequences: false).dropLast() {
            prefix += prefix.isEmpty ? String(part) : "-" + part
            if FileManager.default.fileExists(atPath: secrets.directory.appendingPathComponent("\(prefix).join-token").path) { return true }
        }
        return false
    }

    /// How a new machine joins: through the first control-plane machine whose API answers,
    /// or, for the first control-plane machine of a cluster with none, by starting it.
    private func joinLine(cluster: String, isControlPlane: Bool, machine: String, token: String) async throws(ProviderError) -> String {
        let planes = await directory.controlPlanes(of: cluster)
        if planes.isEmpty, isControlPlane { return Self.clusterInit }
        var last = ""
        for plane in planes {
            guard let client = try client(plane, token: token) else { continue }
            do {
                if try await client.readiness() { return "server: \"\(plane.apiEndpoint)\"" }
                last = " (last: \(plane.name)'s /readyz is not ok)"
            } catch {
                last = " (last: \(error))"
            }
        }
        throw ProviderError(.unavailable, provider: name,
            message: "\(machine) cannot join KubernetesCluster/\(cluster): none of its control-plane machines (\(planes.map(\.name).joined(separator: ", "))) answers /readyz\(last)",
            remedy: "check the control-plane machines (console, k3s logs); Continuum retries")
    }

    private func waitForNode(_ node: String, cluster: String, token: String) async throws(ProviderError) {
        let deadline = ContinuousClock.now + options.nodeReadyTimeout
        var last = "no control-plane machine answered"
        while true {
            for plane in await directory.controlPlanes(of: cluster) {
                guard let client = try client(plane, token: token) else { continue }
                do {
                    let nodes = try await client.nodes()
                    if nodes.contains(where: { $0.name == node && $0.isReady }) { return }
                    last = nodes.contains { $0.name == node } ? "the node is registered but not Ready" : "the node has not registered"
                    break
                } catch {
                    last = error.description
                }
            }
            guard ContinuousClock.now < deadline else {
                throw ProviderError(.invalidRequest, provider: name,
                    message: "\(node) was created but is not a Ready node of KubernetesCluster/\(cluster) after \(options.nodeReadyTimeout) (\(last))",
                    remedy: "check the machine's console for cloud-init and k3s errors; the cluster reports the machine not ready until it is")
            }
            guard await WaitCancellation.sleep(for: options.pollInterval) else { throw stoppedWaiting(for: node) }
        }
    }

    /// Cordons the node, evicts its pods and waits until they are gone, through another
    /// control-plane machine's API, which it returns. When no other control-plane machine
    /// answers (the cluster itself is going), there is nothing to drain into: nil. A
    /// machine that answers with a certificate that is not the cluster's, or a CA that
    /// cannot be read, fails the drain: that is not a cluster that is going.
    private func drain(_ member: ClusterMember) async throws(ProviderError) -> KubernetesAPIClient? {
        var api: KubernetesAPIClient?
        let token = try secret(member.cluster, "api-token")
        for plane in await directory.controlPlanes(of: member.cluster) where plane.providerID != member.providerID {
            guard let client = try client(plane, token: token) else { continue }
            do {
                if try await client.readiness() {
                    api = client
                    break
                }
            } catch where error.isTrustFailure {
                throw ProviderError(.invalidRequest, provider: name,
                    message: "\(member.name) of KubernetesCluster/\(member.cluster) cannot be drained: \(plane.name) answers, but \(error)",
                    remedy: "find out who answers at \(plane.apiEndpoint) (the machine is kept, undrained nodes are not removed); if that cluster's k3s was not given Continuum's CA, an operator can set insecureSkipClusterVerify: true on the machines' connection")
            } catch {
                continue
            }
        }
        guard let api else { return nil }
        let deadline = ContinuousClock.now + options.drainTimeout
        do {
            try await api.cordon(member.name)
            while true {
                let pods = try await api.evictablePods(on: member.name)
                if pods.isEmpty { break }
                for pod in pods { _ = try await api.evict(pod) }
                guard ContinuousClock.now < deadline else {
                    throw ProviderError(.invalidRequest, provider: name,
                        message: "node \(member.name) of KubernetesCluster/\(member.cluster) is not drained after \(options.drainTimeout): \(pods.map { "\($0.namespace)/\($0.name)" }.joined(separator: ", ")) still running",
                        remedy: "check the PodDisruptionBudgets that block these evictions; the machine is kept until its node is drained")
                }
                try await Task.sleep(for: options.pollInterval)
            }
            return api
        } catch let error as ProviderError {
            throw error
        } catch {
            throw ProviderError(.unavailable, provider: name, message: "draining \(member.name): \(error)", remedy: "Continuum retries; the machine is kept until its node is drained")
        }
    }

    // MARK: - Clusters

    private func waitUntilReady(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        let cluster = request.id.name
        let expected = Set(request.dependencies.filter { $0.kind == .virtualMachine || $0.kind == .bareMetalNode }.map(\.name))
        let deadline = ContinuousClock.now + options.clusterReadyTimeout
        while true {
            let health = await health(of: cluster, preferring: expected)
            let missing = expected.subtracting(health.readyNodes).sorted()
            if health.answered, missing.isEmpty { return observed(cluster, health, version: request.spec["version"]?.outputText) }
            guard ContinuousClock.now < deadline else {
                let status = !health.answered ? "no control-plane machine answers /readyz" + (health.lastError.map { " (\($0))" } ?? "")
                    : "\(expected.count - missing.count) of \(expected.count) machines are Ready nodes (not yet: \(missing.joined(separator: ", ")))"
                throw ProviderError(.invalidRequest, provider: name,
                    message: "KubernetesCluster/\(cluster) is not ready after \(options.clusterReadyTimeout): \(status)",
                    remedy: "check the machines named there (console, cloud-init and k3s logs); the next apply waits again")
            }
            guard await WaitCancellation.sleep(for: options.pollInterval) else { throw stoppedWaiting(for: "KubernetesCluster/\(cluster)") }
        }
    }

    /// A wait for readiness was cut short: by a newer commit (`WaitCancellation`), or the
    /// task was cancelled. The machine stays; the next reconcile waits again.
    private func stoppedWaiting(for subject: String) -> ProviderError {
        let why = WaitCancellation.current?.reason.map { ": \($0)" } ?? ": it was cancelled"
        return ProviderError(.transient, provider: name, message: "stopped waiting for \(subject) to become ready\(why)", remedy: "the next reconcile waits again")
    }

    /// What a cluster's API says now, asked of its control-plane machines (those named in
    /// `preferring` first) until one answers `/readyz`.
    private struct ClusterHealth {
        /// Whether a control-plane machine answered.
        var answered = false
        /// The API endpoint: the machine that answered, else the first one known.
        var endpoint = ""
        /// The nodes that are Ready.
        var readyNodes: Set<String> = []
        /// Why the last machine asked did not answer, when a call failed.
        var lastError: String?
    }

    private func health(of cluster: String, preferring: Set<String>) async -> ClusterHealth {
        let planes = await directory.controlPlanes(of: cluster)
        let ordered = planes.filter { preferring.contains($0.name) } + planes.filter { !preferring.contains($0.name) }
        var health = ClusterHealth(endpoint: ordered.first?.apiEndpoint ?? "")
        guard let token = try? secret(cluster, "api-token") else { return health }
        for plane in ordered {
            let nodes: [KubernetesNode]
            do {
                guard let client = try client(plane, token: token) else { continue }
                guard try await client.readiness() else { continue }
                nodes = try await client.nodes()
            } catch let error as ProviderError {
                health.lastError = error.message
                continue
            } catch {
                health.lastError = "\(error)"
                continue
            }
            health.answered = true
            health.endpoint = plane.apiEndpoint
            health.readyNodes = Set(nodes.filter(\.isReady).map(\.name))
            break
        }
        return health
    }

    /// The cluster object: its provider, and outputs from `health`.
    private func observed(_ cluster: String, _ health: ClusterHealth, version: String?) -> ObservedObject {
        var outputs: [String: FieldValue] = ["id": .string(cluster), "readyNodes": .integer(health.readyNodes.count), "apiEndpoint": .string(health.endpoint)]
        if let version { outputs["version"] = .string(version) }
        return ObservedObject(providerID: cluster, spec: .object([("provider", .string(name))]), outputs: outputs)
    }

    // MARK: - Support

    /// A client of a control-plane machine's API with Continuum's token, trusting the
    /// cluster's server CA (or, by the operator's switch, nothing); nil when the machine
    /// has no API address.
    /// - Throws: `ProviderError` when the cluster's CA cannot be read.
    private func client(_ plane: ClusterMember, token: String) throws(ProviderError) -> KubernetesAPIClient? {
        let trust: KubernetesAPIClient.Trust
        switch options.apiVerification {
        case .pinned:
            trust = .certificateAuthority(try authority(plane.cluster, .server).certificatePEM)
        case .skipped(let reason):
            if warnings.first(plane.cluster) {
                options.warn("the TLS certificate of KubernetesCluster/\(plane.cluster)'s API is not verified (\(reason)); its API token goes to whoever answers at its address")
            }
            trust = .unverified
        }
        return options.endpoint(plane.address).map { KubernetesAPIClient(endpoint: $0, token: token, trust: trust) }
    }

    /// The cluster's CA of `role`: key and certificate, generated secrets.
    private func authority(_ cluster: String, _ role: ClusterCertificateAuthority.Role) throws(ProviderError) -> ClusterCertificateAuthority {
        try authorities.authority(cluster, role) { () throws(ProviderError) in try readAuthority(cluster, role) }
    }

    private func readAuthority(_ cluster: String, _ role: ClusterCertificateAuthority.Role) throws(ProviderError) -> ClusterCertificateAuthority {
        do {
            let key = try secrets.value("\(cluster).\(role.rawValue).key") { ClusterCertificateAuthority.newPrivateKey() }
            let certificate = try secrets.value("\(cluster).\(role.rawValue).crt") { () throws(SecretStoreError) -> String in
                do throws(ClusterCertificateError) {
                    return try ClusterCertificateAuthority.certificate(cluster: cluster, role: role, privateKeyPEM: key)
                } catch {
                    throw SecretStoreError(path: secrets.directory.appendingPathComponent("\(cluster).\(role.rawValue).crt").path, message: error.description)
                }
            }
            return ClusterCertificateAuthority(role: role, certificatePEM: certificate, privateKeyPEM: key)
        } catch {
            throw ProviderError(.invalidRequest, provider: name, message: error.description, remedy: "fix the secrets directory and apply again")
        }
    }

    private func secret(_ cluster: String, _ kind: String) throws(ProviderError) -> String {
        do {
            return try secrets.value("\(cluster).\(kind)")
        } catch {
            throw ProviderError(.invalidRequest, provider: name, message: error.description, remedy: "fix the secrets directory and apply again")
        }
    }

    private static func replacing(_ key: String, with value: FieldValue, in spec: FieldValue) -> FieldValue {
        guard case .map(let entries) = spec else { return spec }
        return .map(entries.map { $0.key == key ? FieldValue.Entry(key, value) : $0 })
    }
}
