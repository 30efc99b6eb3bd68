import ContinuumEngine
import ContinuumGraph
import ContinuumSim
import ContinuumSpec
import ContinuumTesting
import Foundation
import Testing

/// A load that re-validates only the edited resources (`SpecValidationCache`) gives what a
/// full load of the same tree gives, and edits it cannot prove harmless are validated in full.
@Suite("Incremental validation")
struct IncrementalValidationTests {
    /// A fleet as editable values, written as files: per site a network and a file of VMs,
    /// a file of bare-metal nodes and a cluster whose metal pool selects them.
    struct Fleet {
        struct Machine: Equatable {
            var name: String
            var cpu = 2
            var network = 0
            /// Also `dependsOn` its network: a second reference to the same target, written
            /// first (the edge's location is the first reference's).
            var dependsOnNetwork = false
        }
        struct Site {
            var machines: [Machine]
            var nodes: [(name: String, image: String, pool: String)]
            var generalReplicas = 2
            var comments = 0
        }
        /// Clusters on a libvirt provider expand into machines and take their nodes; on sim they do not.
        var machineProvider: Bool
        var sites: [Site]
        var providerSite = "de-fra"
        /// A reference to a network no file defines, or an unreadable cpu (each an error).
        var dangling: String?
        var unreadableCPU: String?

        init(machineProvider: Bool, sites: Int, machinesPerSite: Int) {
            self.machineProvider = machineProvider
            self.sites = (0..<sites).map { site in
                Site(machines: (0..<machinesPerSite).map { Machine(name: "vm-\(site)-\($0)", network: site, dependsOnNetwork: $0 % 2 == 1) },
                    nodes: (0..<2).map { (name: "metal-\(site)-\($0)", image: "https://images.example/debian-12.iso", pool: "metal-\(site)") })
            }
        }

        var files: [String: String] {
            let provider = machineProvider
                ? "apiVersion: continuum.dev/v1\nkind: Provider\nmetadata: {name: cloud}\nspec: {type: libvirt, site: \(providerSite), connection: kvm}\n"
                : "apiVersion: continuum.dev/v1\nkind: Provider\nmetadata: {name: cloud}\nspec: {type: sim, site: \(providerSite)}\n"
            var files = ["providers.yaml": provider]
            for (index, site) in sites.enumerated() {
                let comments = String(repeating: "# a comment\n", count: site.comments)
                files["site-\(index)/network.yaml"] = comments + SpecSamples.network("net-\(index)", provider: "cloud", cidr: "10.\(index).0.0/24") + "\n"
                files["site-\(index)/vms.yaml"] = comments + site.machines.map { machine in
                    let cpu = machine.name == unreadableCPU ? "many" : String(machine.cpu)
                    let network = machine.name == dangling ? "Network/nowhere" : "Network/net-\(machine.network)"
                    return SpecSamples.virtualMachine(machine.name, provider: "cloud", cpu: cpu, networks: [network],
                        extra: ["userData: \"gateway ${Network/net-\(machine.network).outputs.gateway}\""],
                        dependsOn: machine.dependsOnNetwork ? ["Network/net-\(machine.network)"] : [])
                }.joined(separator: "\n---\n") + "\n"
                files["site-\(index)/metal.yaml"] = site.nodes.map { node in
                    SpecSamples.bareMetalNode(node.name, provider: "cloud", labels: "{pool: \(node.pool)}", image: node.image, cluster: "k8s-\(index)")
                }.joined(separator: "\n---\n") + "\n"
                files["site-\(index)/cluster.yaml"] = SpecSamples.kubernetesCluster("k8s-\(index)", provider: "cloud", generalReplicas: site.generalReplicas)
                    .replacingOccurrences(of: "Network/fra-edge", with: "Network/net-\(index)")
                    .replacingOccurrences(of: "{pool: metal}", with: "{pool: metal-\(index)}") + "\n"
            }
            return files
        }
    }

    /// One random edit of `fleet`, named.
    static func edit(_ fleet: inout Fleet, using random: inout SplitMix, step: Int) -> String {
        let site = Int.random(in: 0..<fleet.sites.count, using: &random)
        let machine = Int.random(in: 0..<fleet.sites[site].machines.count, using: &random)
        let name = fleet.sites[site].machines[machine].name
        fleet.dangling = nil
        fleet.unreadableCPU = nil
        switch Int.random(in: 0..<12, using: &random) {
        case 0, 1, 2:
            fleet.sites[site].machines[machine].cpu = Int.random(in: 1...16, using: &random)
            return "cpu of \(name)"
        case 3 where Bool.random(using: &random):
            fleet.sites[site].machines[machine].dependsOnNetwork.toggle()
            return "\(name) depends on its network explicitly, or no longer"
        case 3:
            fleet.sites[site].comments += 1
            return "a comment line above site \(site)'s resources (every location moves)"
        case 4:
            fleet.sites[site].machines[machine].network = Int.random(in: 0..<fleet.sites.count, using: &random)
            return "\(name) moves to another network"
        case 5:
            fleet.sites[site].generalReplicas = Int.random(in: 1...4, using: &random)
            return "replicas of k8s-\(site)'s general pool"
        case 6:
            fleet.sites[site].nodes[0].image = "https://images.example/debian-\(Int.random(in: 12...13, using: &random)).iso"
            return "image of metal-\(site)-0"
        case 7:
            fleet.sites[site].nodes[1].pool = fleet.sites[site].nodes[1].pool == "spare" ? "metal-\(site)" : "spare"
            return "labels of metal-\(site)-1"
        case 8:
            if fleet.sites[site].machines.count > 1, Bool.random(using: &random) {
                fleet.sites[site].machines.remove(at: machine)
                return "\(name) removed"
            }
            fleet.sites[site].machines.append(Fleet.Machine(name: "vm-new-\(step)", network: site))
            return "vm-new-\(step) added"
        case 9:
            fleet.dangling = name
            return "\(name) refers to a network nobody defines (an error)"
        case 10:
            fleet.unreadableCPU = name
            return "\(name) has an unreadable cpu (an error)"
        default:
            fleet.providerSite = fleet.providerSite == "de-fra" ? "de-ber" : "de-fra"
            return "the provider's site"
        }
    }

    @Test(arguments: [(false, 21), (false, 22), (false, 23), (true, 31), (true, 32)] as [(Bool, UInt64)])
    func randomEditsValidateAsAFullLoadDoes(machineProvider: Bool, seed: UInt64) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let configFile = try directory.write("operator.yaml", OperatorConfigSample.file(connections: [
            OperatorConfigSample.connection("kvm", type: "libvirt", settings: [("uri", "\"qemu:///system\"")]),
        ]))
        let catalog = ProviderCatalog.standard(
            simWorld: SimWorld(path: directory.url.appendingPathComponent("sim.db").path), secretsDirectory: directory.url.appendingPathComponent("secrets"),
            operatorConfig: try OperatorConfig.load(configFile.path))
        let specs = directory.url.appendingPathComponent("specs")
        var random = SplitMix(seed: seed)
        var fleet = Fleet(machineProvider: machineProvider, sites: 3, machinesPerSite: 4)
        var written: [String: String] = [:]
        func write() throws {
            let files = fleet.files
            for (path, text) in files where written[path] != text { _ = try directory.write("specs/" + path, text) }
            written = files
        }
        try write()
        var cache = SpecValidationCache()
        var previous: ValidatedSpecs? = try await ValidatedSpecs.load(specs, catalog: catalog, cache: &cache)
        var incremental = 0
        for step in 0..<60 {
            let edit = Self.edit(&fleet, using: &random, step: step)
            try write()
            let context = "seed \(seed), step \(step): \(edit)"
            let fast = await Self.result { () async throws(DiagnosticsError) in try await ValidatedSpecs.load(specs, catalog: catalog, cache: &cache) }
            let full = await Self.result { () async throws(DiagnosticsError) in try await ValidatedSpecs.load(specs, catalog: catalog) }
            switch (fast, full) {
            case (.success(let fast), .success(let full)):
                Self.expectEqual(fast, full, context)
                if let edited = cache.editedPositions, let previous {
                    incremental += 1
                    let unedited = Set(fast.resources.indices).subtracting(edited)
                    #expect(unedited.allSatisfy { fast.resources[$0] == previous.resources[$0] }, "\(context): only the edited positions differ")
                    #expect(edited.allSatisfy { fast.resources[$0] != previous.resources[$0] }, "\(context): every edited position differs")
                }
                previous = fast
            case (.failure(let fast), .failure(let full)):
                #expect(fast.diagnostics == full.diagnostics, "\(context)")
                #expect(!fast.diagnostics.isEmpty)
                previous = nil
            default:
                Issue.record("\(context): the incremental load gave \(fast), the full one \(full)")
                return
            }
        }
        // Value edits of VMs always re-validate incrementally; clusters and nodes only on sim.
        #expect(incremental >= 12, "seed \(seed): \(incremental) incremental validations")
    }

    /// `fleet` written below a new temporary directory, with a sim catalog; its specs' URL.
    static func written(_ fleet: Fleet) throws -> (directory: TemporaryDirectory, catalog: ProviderCatalog, specs: URL) {
        let directory = try TemporaryDirectory()
        let catalog = ProviderCatalog.standard(
            simWorld: SimWorld(path: directory.url.appendingPathComponent("sim.db").path), secretsDirectory: directory.url.appendingPathComponent("secrets"))
        for (path, text) in fleet.files { _ = try directory.write("specs/" + path, text) }
        return (directory, catalog, directory.url.appendingPathComponent("specs"))
    }

    @Test func aValueEditIsReValidatedAloneAndAReferenceEditInFull() async throws {
        var fleet = Fleet(machineProvider: false, sites: 2, machinesPerSite: 3)
        let (directory, catalog, specs) = try Self.written(fleet)
        defer { directory.remove() }
        var cache = SpecValidationCache()
        let first = try await ValidatedSpecs.load(specs, catalog: catalog, cache: &cache)
        #expect(cache.editedPositions == nil, "the first load validates in full")

        fleet.sites[1].machines[2].cpu = 7
        _ = try directory.write("specs/site-1/vms.yaml", fleet.files["site-1/vms.yaml"] ?? "")
        let second = try await ValidatedSpecs.load(specs, catalog: catalog, cache: &cache)
        let position = try #require(first.graph.indexByID[ResourceID(.virtualMachine, "vm-1-2")])
        #expect(cache.editedPositions == [position])
        #expect(second.resources[position] != first.resources[position])

        _ = try directory.write("specs/site-1/vms.yaml", fleet.files["site-1/vms.yaml"] ?? "")
        _ = try await ValidatedSpecs.load(specs, catalog: catalog, cache: &cache)
        #expect(cache.editedPositions == [], "a file written again with the same bytes edits nothing")

        fleet.sites[1].machines[2].network = 0
        _ = try directory.write("specs/site-1/vms.yaml", fleet.files["site-1/vms.yaml"] ?? "")
        let moved = try await ValidatedSpecs.load(specs, catalog: catalog, cache: &cache)
        #expect(cache.editedPositions == nil, "a changed reference changes the graph: validated in full")
        let edge = try #require(moved.graph.indexByID[ResourceID(.network, "net-0")])
        #expect(moved.graph.dependencies(of: position).contains(Int32(edge)))
    }

    @Test func aRejectedLoadIsNotTheBaseOfTheNext() async throws {
        var fleet = Fleet(machineProvider: false, sites: 1, machinesPerSite: 2)
        let (directory, catalog, specs) = try Self.written(fleet)
        defer { directory.remove() }
        var cache = SpecValidationCache()
        _ = try await ValidatedSpecs.load(specs, catalog: catalog, cache: &cache)
        fleet.unreadableCPU = "vm-0-1"
        _ = try directory.write("specs/site-0/vms.yaml", fleet.files["site-0/vms.yaml"] ?? "")
        await #expect(throws: DiagnosticsError.self) { try await ValidatedSpecs.load(specs, catalog: catalog, cache: &cache) }
        fleet.unreadableCPU = nil
        fleet.sites[0].machines[1].cpu = 5
        _ = try directory.write("specs/site-0/vms.yaml", fleet.files["site-0/vms.yaml"] ?? "")
        let fixed = try await ValidatedSpecs.load(specs, catalog: catalog, cache: &cache)
        #expect(cache.editedPositions == nil, "after a rejected load there is no validated base: validated in full")
        #expect(cache.files.parsedFiles == 1, "the files are still parsed incrementally")
        let vm = try #require(fixed.graph.indexByID[ResourceID(.virtualMachine, "vm-0-1")])
        #expect(fixed.resources[vm].spec.fieldValue.description.contains("5"))
    }

    static func result(_ body: () async throws(DiagnosticsError) -> ValidatedSpecs) async -> Result<ValidatedSpecs, DiagnosticsError> {
        do throws(DiagnosticsError) { return .success(try await body()) } catch { return .failure(error) }
    }

    /// The same resources and the same graph, edges and where each was written included.
    static func expectEqual(_ fast: ValidatedSpecs, _ full: ValidatedSpecs, _ context: String) {
        #expect(fast.resources == full.resources, "\(context)")
        #expect(fast.repository.fileCount == full.repository.fileCount, "\(context)")
        #expect(fast.graph.ids == full.graph.ids, "\(context)")
        let fastEdges = fast.graph.edges, fullEdges = full.graph.edges
        #expect(fastEdges.map(\.from) == fullEdges.map(\.from) && fastEdges.map(\.to) == fullEdges.map(\.to), "\(context): the same edges")
        let moved = fullEdges.filter { fast.graph.location(from: $0.from, to: $0.to) != full.graph.location(from: $0.from, to: $0.to) }
        #expect(moved.isEmpty, "\(context): every edge written where a full build says")
    }
}
