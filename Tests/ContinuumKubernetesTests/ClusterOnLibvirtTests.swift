import ContinuumApply
import ContinuumGraph
import ContinuumKubernetes
import ContinuumLibvirt
import ContinuumPlanner
import ContinuumRedfish
import ContinuumProvider
import ContinuumSpec
import ContinuumState
import ContinuumTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing

/// Clusters applied end to end on libvirtd's test driver: the machines are real domains,
/// created and removed in the rolling order through the real executor. No kube-apiserver
/// (nor k3s) can run here, so `KubernetesAPIStandIn` answers for the cluster's API, and a
/// task standing in for the kubelets registers every running domain as a Ready node.
@Suite("Clusters on libvirt", .serialized)
struct ClusterOnLibvirtTests {
    /// The cloud-init seeds the stand-in kubelets read when their machines first ran, by
    /// machine: what the machines booted with, observed before they were Ready.
    final class SeedLog: Sendable {
        private let seeds = Mutex<[String: String]>([:])
        subscript(_ machine: String) -> String? { seeds.withLock { $0[machine] } }
        func record(_ machine: String, _ seed: String) { seeds.withLock { $0[machine] = seed } }
        var all: [String: String] { seeds.withLock { $0 } }
    }

    final class Lab {
        let directory: TemporaryDirectory
        let daemon: LibvirtDaemon
        let api: KubernetesAPIStandIn
        let store = InMemoryStateStore()
        var options = ClusterOptions()
        private var kubelets: Task<Void, Never>?

        let seedLog = SeedLog()

        /// A lab; with `handCAToAPI` false the API stand-in keeps presenting a certificate
        /// of its own CA instead of taking the cluster's from the first machine's seed.
        /// `beforeReady` is called with each machine and its seed's path once its kubelet
        /// read the seed, before its node is Ready.
        init(handCAToAPI: Bool = true, beforeReady: @escaping @Sendable (_ machine: String, _ seed: String) -> Void = { _, _ in }) async throws {
            directory = try TemporaryDirectory()
            daemon = try LibvirtDaemon(in: directory.url)
            try daemon.addBaseImage()
            api = try await KubernetesAPIStandIn()
            let url = api.url
            options.endpoint = { _ in url }
            options.pollInterval = .milliseconds(50)
            options.nodeReadyTimeout = .seconds(20)
            options.clusterReadyTimeout = .seconds(20)
            options.drainTimeout = .seconds(10)
            let (daemon, api, seedLog) = (daemon, api, seedLog)
            let cluster = handCAToAPI
            let task = Task { await Lab.kubelets(daemon: daemon, api: api, seedLog: seedLog, handCAToAPI: cluster, beforeReady: beforeReady) }
            kubelets = task
        }

        /// Stands in for the kubelets: each registers its node once, when its machine first
        /// runs. It boots with the seed its domain's CD-ROM names: read then, before the node
        /// is Ready (Continuum deletes it then). On the machine that starts the cluster, k3s
        /// takes the server CA from it and serves with it.
        static func kubelets(daemon: LibvirtDaemon, api: KubernetesAPIStandIn, seedLog: SeedLog, handCAToAPI: Bool, beforeReady: @Sendable (String, String) -> Void) async {
            var registered: Set<String> = []
            while !Task.isCancelled {
                let running = (try? daemon.virsh(["list", "--name"]))?.split(separator: "\n").map(String.init) ?? []
                for name in running where name.hasPrefix("k8s-") && !registered.contains(name) {
                    guard let xml = try? daemon.virsh(["dumpxml", name]) else { continue }
                    if let seed = seedPath(inDomainXML: xml), let bytes = FileManager.default.contents(atPath: seed) {
                        let text = String(decoding: bytes, as: UTF8.self)
                        seedLog.record(name, text)
                        if handCAToAPI, let authority = KubernetesAPIStandIn.serverCA(inCloudInit: text) {
                            try? api.serve(signedBy: authority.certificate, key: authority.key)
                        }
                        beforeReady(name, seed)
                    }
                    registered.insert(name)
                    api.setNode(name, ready: true)
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }

        var seeds: URL { directory.url.appendingPathComponent("seeds") }

        /// The seed ISO a domain's CD-ROM names, if any.
        static func seedPath(inDomainXML xml: String) -> String? {
            guard let range = xml.range(of: #"<source file='([^']*-seed\.iso)'"#, options: .regularExpression) else { return nil }
            let match = xml[range].dropFirst("<source file='".count).dropLast()
            return String(match)
        }

        /// The seed files left in the seed directory.
        func seedFiles() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: seeds.path)) ?? []).filter { $0.hasSuffix("-seed.iso") }
        }
        var secrets: GeneratedSecrets { GeneratedSecrets(directory: directory.url.appendingPathComponent("secrets")) }

        func spec(_ cluster: String) -> (resources: [Resource], graph: ContinuumGraph.ResourceGraph) {
            let expanded = ClusterSpecs.expand(ClusterSpecs.provider(uri: daemon.uri, imageDirectory: seeds.path), ClusterSpecs.network(), cluster)
            #expect(expanded.diagnostics.isEmpty, "\(expanded.diagnostics)")
            return (expanded.resources, expanded.graph)
        }

        func registry(_ state: StateSnapshot, options: ClusterOptions? = nil, directory: ClusterDirectory? = nil) throws -> ProviderRegistry {
            let config = try LibvirtConfig.parse(.map([
                FieldValue.Entry("uri", .string(daemon.uri)), FieldValue.Entry("storagePool", .string("default-pool")),
                FieldValue.Entry("imageDirectory", .string(seeds.path)), FieldValue.Entry("shutdownTimeout", .string("1s")),
            ])).get()
            let members = state.resources.compactMap { record in
                record.providerID.flatMap { ClusterMember(providerID: $0, name: record.id.name, labels: record.labels, address: record.outputs["ipAddress"]?.outputText ?? "") }
            }
            let provider = ClusterMachineProvider(wrapping: LibvirtProvider(name: "fra-kvm", config: config), secrets: secrets, directory: directory ?? ClusterDirectory(members), options: options ?? self.options)
            return ProviderRegistry(["fra-kvm": ProviderRegistry.Entry(provider: provider, concurrency: 4)])
        }

        /// Plans and applies `cluster`; the plan's text and the result.
        func apply(_ cluster: String, options: ClusterOptions? = nil) async throws -> (text: String, result: ApplyResult) {
            let (resources, graph) = spec(cluster)
            let state = try await store.snapshot()
            let plan = try Planner().plan(resources: resources, graph: graph, state: state)
            let result = try await Executor(options: ApplyOptions(maximumAttempts: 1)).apply(plan, resources: resources, store: store, registry: try registry(state, options: options))
            return (PlanTextRenderer().render(plan), result)
        }

        func domains() throws -> Set<String> {
            Set(try daemon.virsh(["list", "--all", "--name"]).split(separator: "\n").map(String.init).filter { $0.hasPrefix("k8s-") })
        }

        deinit {
            kubelets?.cancel()
            api.stop()
            daemon.stop()
            directory.remove()
        }
    }

    static let small = ClusterSpecs.cluster(controlPlane: 3, pools: [("general", 1, "debian-12")])

    @Test func aClusterIsCreatedJoinedAndReadyAndItsTokensStayOutOfPlansAndState() async throws {
        let lab = try await Lab()
        let (text, result) = try await lab.apply(Self.small)
        #expect(result.succeeded, "\(result.report.actions.filter { $0.outcome != .succeeded }.map { "\($0.resource): \($0.error ?? "")" })")
        let machines = try lab.domains()
        #expect(machines.count == 4)
        #expect(Set(lab.api.nodes.keys) == machines, "every machine became a Ready node")
        let state = try await lab.store.snapshot()
        let cluster = try #require(state[ResourceID(.kubernetesCluster, "k8s")])
        #expect(cluster.outputs["readyNodes"] == .integer(4))
        #expect(cluster.outputs["version"] == .string("1.31"))

        // The first control-plane machine started the cluster; the others joined it. The
        // seeds are those the kubelets read when the machines first ran.
        let planes = machines.filter { $0.contains("-cp-") }.sorted()
        let seeds = try planes.map { try #require(lab.seedLog[$0], "the kubelet of \($0) read its seed") }
        #expect(seeds[0].contains("      cluster-init: true\n"))
        #expect(seeds.dropFirst().allSatisfy { $0.contains("      server: \"https://") && !$0.contains("cluster-init") })
        // The cluster's CAs, generated by Continuum, go to k3s on the machine that starts
        // the cluster only; the API was trusted because it served under that server CA.
        let serverCA = try lab.secrets.value("k8s.server-ca.crt")
        for file in ["server-ca", "client-ca", "request-header-ca"] {
            #expect(seeds[0].contains("  - path: /var/lib/rancher/k3s/server/tls/\(file).crt\n") && seeds[0].contains("  - path: /var/lib/rancher/k3s/server/tls/\(file).key\n"))
        }
        #expect(KubernetesAPIStandIn.serverCA(inCloudInit: seeds[0])?.certificate.trimmingCharacters(in: .whitespacesAndNewlines) == serverCA)
        #expect(seeds.allSatisfy { !$0.contains(ClusterPlaceholder.certificateAuthorities.rawValue) && !$0.contains(ClusterPlaceholder.joinToken.rawValue) })
        #expect(seeds.dropFirst().allSatisfy { !$0.contains("server-ca") })
        // The generated tokens are in the machines' seeds, and nowhere else.
        let joinToken = try lab.secrets.value("k8s.join-token"), apiToken = try lab.secrets.value("k8s.api-token")
        #expect(joinToken.count == 64 && apiToken != joinToken)
        #expect(seeds.allSatisfy { $0.contains("token: \"\(joinToken)\"") && $0.contains("\(apiToken),continuum,continuum") })
        let recorded = String(decoding: try JSONEncoder().encode(state.resources), as: UTF8.self)
        #expect(recorded.contains("{{continuum.joinToken}}") && !recorded.contains(joinToken) && !recorded.contains(apiToken))
        #expect(!recorded.contains("PRIVATE KEY") && !text.contains("PRIVATE KEY"), "the CA keys are in no plan and no state")
        #expect(!text.contains(joinToken) && text.contains("{{continuum.joinToken}}"))
        // Every machine is Ready, so its seed is gone: the file deleted, and the CD-ROM no
        // longer names it in the domain's definition.
        #expect(lab.seedLog.all.count == 4)
        #expect(lab.seedFiles().isEmpty, "\(lab.seedFiles())")
        for machine in machines {
            #expect(Lab.seedPath(inDomainXML: try lab.daemon.virsh(["dumpxml", "--inactive", machine])) == nil, "\(machine)'s definition names no seed")
        }
        // A refresh reads the cluster through its API with the generated token, and finds
        // nothing to change.
        lab.api.requireToken(apiToken)
        let refreshed = try await Refresher(store: lab.store, registry: try lab.registry(state)).refresh(persist: false).snapshot
        #expect(refreshed[ResourceID(.kubernetesCluster, "k8s")]?.outputs["readyNodes"] == .integer(4))
        let (resources, graph) = lab.spec(Self.small)
        let plan = try Planner().plan(resources: resources, graph: graph, state: refreshed)
        #expect(!plan.hasChanges, "\(PlanTextRenderer().render(plan))")
        lab.api.requireToken("another-token")
        let rejected = try await Refresher(store: lab.store, registry: try lab.registry(state)).refresh(persist: false).snapshot
        #expect(rejected[ResourceID(.kubernetesCluster, "k8s")]?.outputs["readyNodes"] == .integer(0), "a refused token reads nothing")
    }

    @Test func anUpgradeReplacesEveryMachineDrainingEachOldOne() async throws {
        let lab = try await Lab()
        #expect(try await lab.apply(Self.small).result.succeeded)
        let old = try lab.domains()
        let oldWorker = try #require(old.first { $0.contains("-general-") })
        lab.api.addPod(.init(name: "web-7d9", node: oldWorker, refusals: 2))
        lab.api.addPod(.init(namespace: "kube-system", name: "svclb-x", node: oldWorker, daemonSet: true))

        let upgraded = ClusterSpecs.cluster(version: "1.32", controlPlane: 3, pools: [("general", 1, "debian-12")])
        let (_, result) = try await lab.apply(upgraded)
        #expect(result.succeeded, "\(result.report.actions.filter { $0.outcome != .succeeded }.map { "\($0.resource): \($0.error ?? "")" })")
        let now = try lab.domains()
        #expect(now.count == 4 && now.isDisjoint(with: old) && now.allSatisfy { $0.contains("-v132-") })
        #expect(Set(lab.api.nodes.keys) == now, "every old node was deleted from the cluster")
        #expect(lab.api.pods.map(\.name) == ["svclb-x"], "the workload was evicted (after the budget allowed it), the DaemonSet's pod left")
        let requests = lab.api.requests
        let cordon = try #require(requests.firstIndex(of: "PATCH /api/v1/nodes/\(oldWorker)"))
        let evicted = try #require(requests.lastIndex(of: "POST /api/v1/namespaces/default/pods/web-7d9/eviction"))
        let deleted = try #require(requests.firstIndex(of: "DELETE /api/v1/nodes/\(oldWorker)"))
        #expect(cordon < evicted && evicted < deleted)
        #expect(requests.filter { $0 == "POST /api/v1/namespaces/default/pods/web-7d9/eviction" }.count == 3, "two refusals, then the eviction")
        let state = try await lab.store.snapshot()
        #expect(state[ResourceID(.kubernetesCluster, "k8s")]?.outputs["version"] == .string("1.32"))
    }

    @Test func aDrainThatABudgetBlocksKeepsTheMachineAndSaysWhy() async throws {
        let lab = try await Lab()
        #expect(try await lab.apply(ClusterSpecs.cluster(controlPlane: 1, pools: [("general", 2, "debian-12")])).result.succeeded)
        let worker = try #require(try lab.domains().sorted().last { $0.contains("-general-") && $0.hasSuffix("-1") })
        lab.api.addPod(.init(name: "db-0", node: worker, refusals: 1_000))
        var options = lab.options
        options.drainTimeout = .milliseconds(300)
        let (_, result) = try await lab.apply(ClusterSpecs.cluster(controlPlane: 1, pools: [("general", 1, "debian-12")]), options: options)
        #expect(!result.succeeded)
        let failure = try #require(result.report.actions.first { $0.outcome == .failed })
        #expect(failure.resource.description == "VirtualMachine/\(worker)")
        #expect(failure.error?.contains("node \(worker) of KubernetesCluster/k8s is not drained") == true, "\(failure.error ?? "")")
        #expect(failure.error?.contains("default/db-0 still running") == true)
        #expect(try lab.domains().contains(worker), "the machine is kept")
        #expect(lab.api.nodes[worker]?.unschedulable == true, "the node stays cordoned")
    }

    @Test func aBareMetalNodeOnARedfishProviderJoinsTheClusterThroughItsSeed() async throws {
        let lab = try await Lab()
        let served = lab.directory.url.appendingPathComponent("served")
        try FileManager.default.createDirectory(at: served, withIntermediateDirectories: true)
        try Data("an installer image\n".utf8).write(to: served.appendingPathComponent("debian-12.iso"))
        let files = try StaticFileServer(directory: served)
        let emulator = try SushyEmulator(in: lab.directory.url, systems: 1)
        defer {
            emulator.stop()
            files.stop()
        }
        // The node's kubelet registers once the system runs with its seed inserted; it
        // boots with the seed the BMC downloaded from its URL, read now, before Ready.
        let api = lab.api, seedLog = lab.seedLog
        let kubelet = Task {
            while !Task.isCancelled {
                let floppy = try await emulator.get(emulator.systemPath(0) + "/VirtualMedia/Floppy")
                if try await emulator.powerState(0) == "On", floppy["Inserted"] as? Bool == true, let image = floppy["Image"] as? String, let url = URL(string: image) {
                    let (data, _) = try await URLSession.shared.data(from: url)
                    seedLog.record("rack-1", String(decoding: data, as: UTF8.self))
                    seedLog.record("rack-1 url", image)
                    api.setNode("rack-1", ready: true)
                    return
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        defer { kubelet.cancel() }
        let metal = """
            apiVersion: continuum.dev/v1
            kind: Provider
            metadata: {name: fra-bmc}
            spec: {type: redfish, config: {endpoint: "\(emulator.endpoint)", seedDirectory: "\(served.path)/seeds", seedURL: "\(files.url("seeds"))", pollInterval: 200ms}}
            ---
            apiVersion: continuum.dev/v1
            kind: BareMetalNode
            metadata: {name: rack-1, labels: {pool: metal}}
            spec: {provider: fra-bmc, systemId: "\(emulator.systemPath(0))", image: "\(files.url("debian-12.iso"))", cluster: k8s}
            """
        let expanded = ClusterSpecs.expand([
            ClusterSpecs.provider(uri: lab.daemon.uri, imageDirectory: lab.seeds.path), ClusterSpecs.network(), metal,
            ClusterSpecs.cluster(controlPlane: 1, pools: []).replacingOccurrences(of: "    []", with: "    - {name: metal, nodes: {matchLabels: {pool: metal}}}"),
        ])
        #expect(expanded.diagnostics.isEmpty, "\(expanded.diagnostics)")
        let state = try await lab.store.snapshot()
        let plan = try Planner().plan(resources: expanded.resources, graph: expanded.graph, state: state)
        let directory = ClusterDirectory([])
        var registry = try lab.registry(state, directory: directory)
        let redfish = try RedfishProvider(name: "fra-bmc", config: try RedfishConfig.parse(.map([
            FieldValue.Entry("endpoint", .string(emulator.endpoint)), FieldValue.Entry("seedDirectory", .string(served.appendingPathComponent("seeds").path)),
            FieldValue.Entry("seedURL", .string(files.url("seeds"))), FieldValue.Entry("pollInterval", .string("200ms")),
        ])).get(), credentials: nil)
        var options = lab.options
        options.nodeReadyTimeout = .seconds(40)
        registry = ProviderRegistry(registry.entries.merging(["fra-bmc": ProviderRegistry.Entry(
            provider: ClusterMachineProvider(wrapping: redfish, secrets: lab.secrets, directory: directory, options: options))]) { $1 })
        let result = try await Executor(options: ApplyOptions(maximumAttempts: 1)).apply(plan, resources: expanded.resources, store: lab.store, registry: registry)
        #expect(result.succeeded, "\(result.report.actions.filter { $0.outcome != .succeeded }.map { "\($0.resource): \($0.error ?? "")" })")
        let seed = try #require(seedLog["rack-1"], "the node's kubelet read its seed")
        #expect(seed.contains("INSTALL_K3S_EXEC='agent'") && seed.contains("node-name: rack-1\n"))
        #expect(seed.contains("token: \"\(try lab.secrets.value("k8s.join-token"))\"") && seed.contains("server: \"https://"), "the worker joins the control plane on libvirt")
        #expect(!seed.contains("server-ca"), "a worker gets no CA")
        // Its URL was a capability: the node's name and 32 random bytes, hex.
        let url = try #require(seedLog["rack-1 url"])
        let file = try #require(url.split(separator: "/").last.map(String.init))
        #expect(file.hasPrefix("rack-1-") && file.hasSuffix("-seed.iso") && file.dropFirst(7).dropLast(9).count == 64 && file.dropFirst(7).dropLast(9).allSatisfy(\.isHexDigit), "\(file)")
        // The node is Ready: the BMC's seed medium is ejected, and the file (and so the URL) is gone.
        let floppy = try await emulator.get(emulator.systemPath(0) + "/VirtualMedia/Floppy")
        #expect(floppy["Inserted"] as? Bool != true, "\(floppy)")
        #expect(!FileManager.default.fileExists(atPath: served.appendingPathComponent("seeds/\(file)").path))
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: served.appendingPathComponent("seeds").path)) ?? []).isEmpty)
        let cluster = try #require(try await lab.store.snapshot()[ResourceID(.kubernetesCluster, "k8s")])
        #expect(cluster.outputs["readyNodes"] == .integer(2), "the VM control plane and the bare-metal worker")
    }

    /// An API server whose certificate is not from the cluster's CA (someone else at the
    /// machine's address) is refused before any request: the token is never sent, the
    /// create fails saying why, and the failed create leaves no seed behind.
    @Test func anAPIServerWithACertificateOfAnotherCAIsRefusedAndGetsNoToken() async throws {
        let lab = try await Lab(handCAToAPI: false)
        var options = lab.options
        options.nodeReadyTimeout = .seconds(2)
        options.clusterReadyTimeout = .seconds(2)
        let (_, result) = try await lab.apply(ClusterSpecs.cluster(controlPlane: 1, pools: []), options: options)
        #expect(!result.succeeded)
        // The machine is recorded (it exists); the cluster, whose API is never trusted, fails.
        let failure = try #require(result.report.actions.first { $0.outcome == .failed }, "\(result.report.actions.map { "\($0.resource) \($0.outcome)" })")
        #expect(failure.resource == ResourceID(.kubernetesCluster, "k8s"))
        #expect(failure.error?.contains("TLS verification failed") == true, "\(failure.error ?? "")")
        #expect(failure.error?.contains("not signed by the cluster's server CA that Continuum generated") == true && failure.error?.contains("the API token was not sent") == true)
        #expect(lab.api.requests.isEmpty, "no request, so no token, reached the impostor: \(lab.api.requests)")
        let apiToken = try lab.secrets.value("k8s.api-token")
        #expect(!(failure.error ?? "").contains(apiToken))
        #expect(lab.seedLog.all.count == 1, "the machine ran with its seed")
        #expect(lab.seedFiles().isEmpty, "the failed create removed its seed: \(lab.seedFiles())")
    }

    /// The operator's explicit switch: with verification skipped, the same impostor is
    /// used, and that is said once per cluster.
    @Test func skippedVerificationIsTheOperatorsSwitchAndIsSaid() async throws {
        let lab = try await Lab(handCAToAPI: false)
        let warnings = SeedLog()
        var options = lab.options
        options.apiVerification = .skipped(reason: "connection 'lab-kvm' sets insecureSkipClusterVerify: true")
        options.warn = { message in warnings.record("\(warnings.all.count)", message) }
        let (_, result) = try await lab.apply(ClusterSpecs.cluster(controlPlane: 1, pools: [("general", 1, "debian-12")]), options: options)
        #expect(result.succeeded, "\(result.report.actions.filter { $0.outcome != .succeeded }.map { "\($0.resource): \($0.error ?? "")" })")
        #expect(Array(warnings.all.values) == [
            "the TLS certificate of KubernetesCluster/k8s's API is not verified (connection 'lab-kvm' sets insecureSkipClusterVerify: true); its API token goes to whoever answers at its address",
        ])
    }

    @Test func aClusterThatDoesNotBecomeReadyFailsNamingTheMachinesNotReady() async throws {
        let lab = try await Lab()
        lab.api.setReady(false)
        var options = lab.options
        options.nodeReadyTimeout = .milliseconds(300)
        options.clusterReadyTimeout = .milliseconds(300)
        let (_, result) = try await lab.apply(ClusterSpecs.cluster(controlPlane: 1, pools: []), options: options)
        #expect(!result.succeeded)
        let errors = result.report.actions.compactMap(\.error).joined(separator: "\n")
        #expect(errors.contains("KubernetesCluster/k8s is not ready after") && errors.contains("no control-plane machine answers /readyz"), "\(errors)")
    }

    /// Once a machine is Ready, a seed that cannot be removed does not fail its create (a
    /// retry would provision it again): a warning says so, and the next refresh of the
    /// machine removes it.
    @Test func aSeedRemovalThatFailsOnceTheNodeIsReadyIsWarnedAndRetriedAtTheNextRefresh() async throws {
        // The seed's path is taken by a directory when the node becomes Ready: it cannot be unlinked.
        let lab = try await Lab { _, seed in
            try? FileManager.default.removeItem(atPath: seed)
            try? FileManager.default.createDirectory(atPath: seed + "/stuck", withIntermediateDirectories: true)
        }
        let warnings = SeedLog()
        var options = lab.options
        options.warn = { message in warnings.record("\(warnings.all.count)", message) }
        let (_, result) = try await lab.apply(ClusterSpecs.cluster(controlPlane: 1, pools: []), options: options)
        #expect(result.succeeded, "\(result.report.actions.filter { $0.outcome != .succeeded }.map { "\($0.resource): \($0.error ?? "")" })")
        let machine = try #require(try lab.domains().first)
        #expect(try lab.domains().count == 1, "provisioned once")
        let said = warnings.all.values.joined(separator: "\n")
        #expect(said.contains("the cloud-init seed of VirtualMachine/\(machine) (it carries the cluster's tokens) could not be removed") && said.contains("tries again when it next refreshes"), "\(said)")
        // Whatever kept it is gone, the seed is still there: the next refresh removes it.
        let seed = lab.seeds.appendingPathComponent("\(machine)-seed.iso")
        try FileManager.default.removeItem(at: seed)
        try Data("a seed with the tokens".utf8).write(to: seed)
        let state = try await lab.store.snapshot()
        _ = try await Refresher(store: lab.store, registry: try lab.registry(state, options: options)).refresh(persist: false)
        #expect(lab.seedFiles().isEmpty, "\(lab.seedFiles())")
    }

    /// A machine adopted by `lookup` (its create crashed before the node was Ready, or its
    /// reply was lost) keeps no seed; a deleted machine's seed goes with it. Another VM's
    /// seed (not a cluster's) is left alone.
    @Test func anAdoptedOrDeletedClusterMachineKeepsNoSeed() async throws {
        let lab = try await Lab()
        _ = try lab.secrets.value("k8s.join-token")
        let config = try LibvirtConfig.parse(.map([
            FieldValue.Entry("uri", .string(lab.daemon.uri)), FieldValue.Entry("storagePool", .string("default-pool")),
            FieldValue.Entry("imageDirectory", .string(lab.seeds.path)), FieldValue.Entry("shutdownTimeout", .string("1s")),
        ])).get()
        let libvirt = LibvirtProvider(name: "fra-kvm", config: config)
        let provider = ClusterMachineProvider(wrapping: libvirt, secrets: lab.secrets, directory: ClusterDirectory([]), options: lab.options)
        func request(_ name: String, key: String) -> ProviderRequest {
            ProviderRequest(id: ResourceID(.virtualMachine, name), spec: .object([
                ("provider", .string("fra-kvm")), ("cpu", .integer(1)), ("memory", .quantity(Quantity(bytes: 1 << 30))), ("image", .string("debian-12")),
                ("disks", .list([])), ("networks", .list([])), ("userData", .string("#cloud-config\nhostname: \(name)\n")), ("power", .string("off")),
            ]), idempotencyKey: key)
        }
        // The wrapped provider created them; the process that asked did not live to see it.
        let machine = try await libvirt.create(request("k8s-cp-v131-0000-0", key: "crashed"))
        _ = try await libvirt.create(request("web-1", key: "plain"))
        #expect(Set(lab.seedFiles()) == ["k8s-cp-v131-0000-0-seed.iso", "web-1-seed.iso"])
        let adopted = try await provider.lookup(ResourceID(.virtualMachine, "k8s-cp-v131-0000-0"), idempotencyKey: "crashed")
        #expect(adopted?.providerID == machine.providerID)
        _ = try await provider.lookup(ResourceID(.virtualMachine, "web-1"), idempotencyKey: "plain")
        #expect(lab.seedFiles() == ["web-1-seed.iso"], "the cluster machine's seed is gone, the other VM's stays")
        // A seed left behind (by hand, or by a removal that failed) goes when the machine is deleted.
        let leftover = lab.seeds.appendingPathComponent("k8s-cp-v131-0000-0-seed.iso")
        try Data("a seed with the tokens".utf8).write(to: leftover)
        let member = ClusterMember(providerID: machine.providerID, name: "k8s-cp-v131-0000-0", cluster: "k8s", isControlPlane: true, address: "")
        let later = ClusterMachineProvider(wrapping: libvirt, secrets: lab.secrets, directory: ClusterDirectory([member]), options: lab.options)
        try await later.delete(.virtualMachine, providerID: machine.providerID, idempotencyKey: "delete")
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        #expect(try lab.domains().isEmpty)
    }

    /// A drain through a control-plane machine whose API fails TLS verification (or whose
    /// cluster CA cannot be read) fails the removal: the machine is not removed undrained
    /// as if no control plane answered.
    @Test func aControlPlaneThatFailsTLSFailsTheDrainInsteadOfSkippingIt() async throws {
        let lab = try await Lab(handCAToAPI: false)
        var options = lab.options
        options.nodeReadyTimeout = .seconds(2)
        options.clusterReadyTimeout = .seconds(2)
        #expect(try await lab.apply(ClusterSpecs.cluster(controlPlane: 1, pools: []), options: options).result.succeeded == false, "the impostor is never trusted")
        let machine = try #require(try lab.domains().first)
        let state = try await lab.store.snapshot()
        let record = try #require(state.resources.first { $0.id.kind == .virtualMachine })
        let providerID = try #require(record.providerID)
        // Another control-plane machine, at the impostor's address.
        let directory = ClusterDirectory([
            ClusterMember(providerID: providerID, name: machine, cluster: "k8s", isControlPlane: true, address: "127.0.0.1"),
            ClusterMember(providerID: "another", name: "k8s-cp-other", cluster: "k8s", isControlPlane: true, address: "127.0.0.1"),
        ])
        let provider = try #require(try lab.registry(state, directory: directory).entries["fra-kvm"]?.provider)
        do {
            try await provider.delete(.virtualMachine, providerID: providerID, idempotencyKey: "delete")
            Issue.record("the machine was deleted undrained")
        } catch {
            #expect(error.message.contains("\(machine) of KubernetesCluster/k8s cannot be drained: k8s-cp-other answers, but") && error.message.contains("TLS verification failed"), "\(error)")
            #expect(error.remedy.contains("insecureSkipClusterVerify"))
        }
        #expect(try lab.domains() == [machine], "the machine is kept")
        // The cluster's CA cannot be read: the same.
        let certificate = lab.directory.url.appendingPathComponent("secrets/k8s.server-ca.crt")
        try FileManager.default.removeItem(at: certificate)
        try FileManager.default.createDirectory(at: certificate, withIntermediateDirectories: true)
        let unreadable = try #require(try lab.registry(state, directory: directory).entries["fra-kvm"]?.provider)
        await #expect(throws: ProviderError.self) { try await unreadable.delete(.virtualMachine, providerID: providerID, idempotencyKey: "delete") }
        #expect(try lab.domains() == [machine], "the machine is kept")
    }
}
