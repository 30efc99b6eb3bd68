public import ContinuumProvider
public import ContinuumSpec
import Crypto
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Virtual machines and virtual networks on an OpenNebula front-end, through its XML-RPC
/// API (`type: opennebula`).
///
/// - `Network` is a virtual network (`one.vn.allocate` with an IPv4 address range from
///   `cidr`, `VLAN_ID` from `vlan`, `VN_MAD` and `BRIDGE` from the connection).
/// - `VirtualMachine` is a VM: instantiated from the VM template the connection maps the
///   spec's `image` to, else allocated with `CPU`/`VCPU`/`MEMORY`, a `DISK` of the image
///   by name, a volatile `DISK` per `spec.disks`, a `NIC` per network and a `CONTEXT`
///   carrying the cloud-init user data (base64). A create completes when the VM is
///   ACTIVE/RUNNING and fails with OpenNebula's own `ERROR` text when it enters a FAILURE
///   state. Power goes through `one.vm.action`, capacity through `one.vm.resize` (powered
///   off first unless the connection says the hypervisor resizes running VMs).
/// - Every object carries `CONTINUUM_ID`, `CONTINUUM_KEY` (the idempotency key) and
///   `CONTINUUM_PROVIDER` in its template: a create that crashed or lost its reply is found
///   again by listing the pool, and a refresh lists each pool once for its revisions.
///
/// Provider ids are `vm/<ID>` and `vnet/<ID>` (VM and network numbers overlap).
public final class OpenNebulaProvider: Provider, BootstrapSeedRemoval {
    /// The `Provider` resource's name.
    public let name: String
    /// The operator connection it goes through, for messages.
    public let connection: String
    let config: OpenNebulaConfig
    /// The XML-RPC client (shared gate per connection).
    public let client: OpenNebulaClient

    /// Creates a provider reaching `config.endpoint` through `connection` with `session`
    /// (`user:password` or `user:token`), at most `concurrency` requests at once and
    /// `requestsPerSecond` a second on the connection.
    /// - Throws: `ProviderError` when the CA file cannot be read.
    public init(name: String, connection: String, config: OpenNebulaConfig, session: String, concurrency: Int? = nil, requestsPerSecond: Double? = nil) throws(ProviderError) {
        self.name = name
        self.connection = connection
        self.config = config
        do {
            client = try OpenNebulaClient(endpoint: config.endpoint, session: session, caFile: config.caFile, connection: connection,
                concurrency: concurrency, requestsPerSecond: requestsPerSecond)
        } catch {
            throw ProviderError(.invalidRequest, provider: name, message: "connection '\(connection)': \(error.message)", remedy: "check the connection's caFile and its permissions")
        }
    }

    public func read(_ kind: ResourceKind, providerID: String) async throws(ProviderError) -> ObservedObject? {
        let (kind, id) = try parse(providerID, kind)
        switch kind {
        case .virtualMachine:
            guard let vm = try await vmInfo(id), !vm.status.isDone else { return nil }
            return observe(vm)
        default:
            guard let vnet = try await vnetInfo(id) else { return nil }
            return observe(vnet)
        }
    }

    public func revisions() async throws(ProviderError) -> [String: String]? {
        var revisions: [String: String] = [:]
        let networks = try await networkPool()
        let names = Dictionary(networks.map { ($0.id, $0.name) }) { first, _ in first }
        // Every object of the session's user, not only those still carrying this provider's
        // attributes: the refresh takes an ID missing here as deleted, and an `onevm update`
        // in replace mode that dropped them must not make a VM look gone (and made twice).
        for vnet in networks {
            revisions["vnet/\(vnet.id)"] = observe(vnet).revision
        }
        for vm in try await machinePool() {
            revisions["vm/\(vm.id)"] = observe(vm, networkNames: names).revision
        }
        return revisions
    }

    public func listsRevisions(of kind: ResourceKind) -> Bool { kind == .virtualMachine || kind == .network }

    public func lookup(_ id: ResourceID, idempotencyKey: String) async throws(ProviderError) -> ObservedObject? {
        switch try supported(id.kind) {
        case .virtualMachine:
            guard let vm = try await machinePool(named: id.name).first(where: { matches($0.attributes, id, idempotencyKey) }) else { return nil }
            // A create completes when its VM runs: one adopted while it still boots is
            // waited for (and one that failed fails), as the create would have; unless a newer
            // commit cut the create's wait short: then it is recorded as it is, booting.
            guard vm.status.isRunning || vm.status.isPoweredOff || WaitCancellation.current?.isCancelled == true else {
                return observe(try await wait(for: vm.id, until: { $0.isRunning || $0.isPoweredOff }, "RUNNING", terminateOnFailure: true))
            }
            return observe(vm)
        default:
            guard let vnet = try await networkPool().first(where: { matches($0.attributes, id, idempotencyKey) }) else { return nil }
            return observe(vnet)
        }
    }

    public func create(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        switch try supported(request.id.kind) {
        case .virtualMachine: try await createMachine(request)
        default: try await createNetwork(request)
        }
    }

    public func update(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        guard let providerID = request.providerID else {
            throw ProviderError(.invalidRequest, provider: name, message: "update of \(request.id) without a provider id", remedy: "report this")
        }
        let (kind, id) = try parse(providerID, request.id.kind)
        switch kind {
        case .virtualMachine: return try await updateMachine(request, id: id)
        default: return try await updateNetwork(request, id: id)
        }
    }

    public func delete(_ kind: ResourceKind, providerID: String, idempotencyKey: String) async throws(ProviderError) {
        let (kind, id) = try parse(providerID, kind)
        switch kind {
        case .virtualMachine: try await deleteMachine(id)
        default: try await deleteNetwork(id)
        }
    }

    /// Nothing beyond spec v1's own (`image`, `disks`, `cidr` and `provider` are immutable
    /// there): capacity, power, networks and user data change in place.
    public func immutableFields(of kind: ResourceKind) -> [FieldPath] { [] }

    /// A VM takes tens of seconds to a few minutes to be scheduled, copied and booted.
    public func estimatedDuration(of operation: ProviderOperation, kind: ResourceKind) -> Duration {
        kind == .virtualMachine && operation == .create ? .seconds(60) : .seconds(5)
    }

    // MARK: Identity

    /// The template attributes that name the object's resource, the call that made it and this provider.
    func identity(_ id: ResourceID, key: String) -> [OpenNebulaXML.Entry] {
        [.single("CONTINUUM_ID", id.description), .single("CONTINUUM_KEY", key), .single("CONTINUUM_PROVIDER", name)]
    }

    /// Whether the object carries this provider's name.
    func owns(_ attributes: [String: String]) -> Bool { attributes["CONTINUUM_PROVIDER"] == name }

    private func matches(_ attributes: [String: String], _ id: ResourceID, _ key: String) -> Bool {
        owns(attributes) && attributes["CONTINUUM_ID"] == id.description && attributes["CONTINUUM_KEY"] == key
    }

    /// The observation with its revision: a digest of what it shows (spec and outputs),
    /// which changes whenever the object does as far as Continuum can see it. OpenNebula
    /// has no per-object version; `LAST_POLL` and `STIME` would change on every monitoring
    /// cycle or never, so the digest is of what the listing says.
    static func revised(_ observed: ObservedObject) -> ObservedObject {
        var observed = observed
        observed.revision = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(observed)) ?? Data()
        observed.revision = SHA256.hash(data: data).prefix(12).map { String(format: "%02x", $0) }.joined()
        return observed
    }

    // MARK: Plumbing

    /// Calls `method`; a failure is a `ProviderError` naming the connection.
    @discardableResult
    func call(_ method: String, _ parameters: [XMLRPCValue]) async throws(ProviderError) -> XMLRPCValue {
        do {
            return try await client.call(method, parameters)
        } catch {
            throw error.providerError(provider: name, connection: connection, endpoint: config.endpoint.absoluteString)
        }
    }

    /// Calls `method`; nil when the object does not exist (NO_EXISTS).
    func callIfExists(_ method: String, _ parameters: [XMLRPCValue]) async throws(ProviderError) -> XMLRPCValue? {
        do {
            return try await client.call(method, parameters)
        } catch where error.code == .noExists {
            return nil
        } catch {
            throw error.providerError(provider: name, connection: connection, endpoint: config.endpoint.absoluteString)
        }
    }

    /// The XML text of a successful `info` or `pool` call.
    func document(_ value: XMLRPCValue, _ method: String) throws(ProviderError) -> String {
        guard case .string(let text) = value else {
            throw ProviderError(.transient, provider: name, message: "\(method) answered \(value.description.prefix(60)), not an XML document", remedy: "check the front-end's version")
        }
        return text
    }

    /// The id an `allocate` or `instantiate` answered with.
    func number(_ value: XMLRPCValue, _ method: String) throws(ProviderError) -> Int {
        guard case .int(let id) = value else {
            throw ProviderError(.transient, provider: name, message: "\(method) answered \(value.description.prefix(60)), not an object ID", remedy: "check the front-end's version")
        }
        return id
    }

    /// Parses `text` for the elements `element`, as a provider error when it cannot.
    func elements(_ element: String, in text: String) throws(ProviderError) -> [XMLElement] {
        do {
            return try OpenNebulaXML.elements(element, in: text)
        } catch {
            throw ProviderError(.transient, provider: name, message: error.description, remedy: "check the front-end's version")
        }
    }

    /// The kind and number in `providerID` (`vm/42`, `vnet/7`).
    func parse(_ providerID: String, _ kind: ResourceKind) throws(ProviderError) -> (ResourceKind, Int) {
        let kind = try supported(kind)
        let prefix = kind == .virtualMachine ? "vm/" : "vnet/"
        guard providerID.hasPrefix(prefix), let id = Int(providerID.dropFirst(prefix.count)), id >= 0 else {
            throw ProviderError(.invalidRequest, provider: name, message: "'\(providerID)' is not an OpenNebula \(kind == .virtualMachine ? "VM" : "virtual network") id of this provider (\(prefix)<number>)",
                remedy: "the state records another provider's object; check the resource's provider")
        }
        return (kind, id)
    }

    func supported(_ kind: ResourceKind) throws(ProviderError) -> ResourceKind {
        guard kind == .virtualMachine || kind == .network else {
            throw ProviderError(.invalidRequest, provider: name, message: "an opennebula provider manages VirtualMachine and Network resources, not \(kind.rawValue)",
                remedy: "put \(kind.rawValue) resources on a provider that manages them")
        }
        return kind
    }
}
