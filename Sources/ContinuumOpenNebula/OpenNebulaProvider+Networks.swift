import ContinuumProvider
import ContinuumSpec
import Foundation

extension OpenNebulaProvider {
    /// The virtual network `id`; nil when the front-end has no such network.
    func vnetInfo(_ id: Int) async throws(ProviderError) -> OneVirtualNetwork? {
        guard let value = try await callIfExists("one.vn.info", [.int(id), .bool(false)]) else { return nil }
        return try elements("VNET", in: try document(value, "one.vn.info")).first.flatMap(OneVirtualNetwork.init)
    }

    /// The session user's virtual networks, from one `one.vnpool.info` call.
    func networkPool() async throws(ProviderError) -> [OneVirtualNetwork] {
        let value = try await call("one.vnpool.info", [.int(-3), .int(-1), .int(-1)])
        return try elements("VNET", in: try document(value, "one.vnpool.info")).compactMap(OneVirtualNetwork.init)
    }

    /// The network as a live spec: its CIDR from `NETWORK_ADDRESS` and `NETWORK_MASK`
    /// (the recorded `CONTINUUM_CIDR` when they are missing), its VLAN from `VLAN_ID`.
    func observe(_ vnet: OneVirtualNetwork) -> ObservedObject {
        var cidr = vnet.attributes["CONTINUUM_CIDR"]
        if let address = vnet.attributes["NETWORK_ADDRESS"], let mask = vnet.attributes["NETWORK_MASK"], let prefix = Self.prefixLength(mask) {
            cidr = "\(address)/\(prefix)"
        }
        let spec = FieldValue.object([
            ("provider", .string(name)), ("cidr", cidr.map(FieldValue.string)), ("vlan", vnet.vlanID.flatMap { Int($0) }.map(FieldValue.integer)),
        ])
        var outputs: [String: FieldValue] = ["id": .string(String(vnet.id))]
        if let gateway = vnet.attributes["GATEWAY"] { outputs["gateway"] = .string(gateway) }
        return Self.revised(ObservedObject(providerID: "vnet/\(vnet.id)", spec: spec, outputs: outputs))
    }

    func createNetwork(_ request: ProviderRequest) async throws(ProviderError) -> ObservedObject {
        let (cidr, vlan) = try networkSpec(request)
        if let existing = try await networkPool().first(where: { owns($0.attributes) && $0.attributes["CONTINUUM_KEY"] == request.idempotencyKey && $0.attributes["CONTINUUM_ID"] == request.id.description }) {
            return observe(existing)
        }
        let hosts = 1 << (32 - cidr.prefixLength)
        var entries: [OpenNebulaXML.Entry] = [.single("NAME", request.id.name), .single("VN_MAD", config.vnMad)]
        if let bridge = config.bridge { entries.append(.single("BRIDGE", bridge)) }
        if let phydev = config.phydev { entries.append(.single("PHYDEV", phydev)) }
        if let vlan { entries.append(.single("VLAN_ID", String(vlan))) }
        entries += [
            .vector("AR", [("TYPE", "IP4"), ("IP", Self.address(cidr, plus: hosts >= 4 ? 2 : 0)), ("SIZE", String(max(1, hosts - 3)))]),
            .single("NETWORK_ADDRESS", Self.address(cidr, plus: 0)), .single("NETWORK_MASK", Self.mask(cidr.prefixLength)),
            .single("GATEWAY", Self.address(cidr, plus: 1)), .single("CONTINUUM_CIDR", cidr.text),
        ]
        entries += identity(request.id, key: request.idempotencyKey)
        let id = try number(try await call("one.vn.allocate", [.string(OpenNebulaXML.template(entries)), .int(-1)]), "one.vn.allocate")
        guard let vnet = try await vnetInfo(id) else {
            throw ProviderError(.transient, provider: name, message: "virtual network \(id) disappeared after its allocation", remedy: "it is retried")
        }
        return observe(vnet)
    }

    func updateNetwork(_ request: ProviderRequest, id: Int) async throws(ProviderError) -> ObservedObject {
        let (_, vlan) = try networkSpec(request)
        guard let vnet = try await vnetInfo(id) else {
            throw ProviderError(.notFound, provider: name, message: "virtual network \(id) of \(request.id) is gone", remedy: "it is created again at the next apply")
        }
        if vnet.vlanID.flatMap({ Int($0) }) != vlan {
            try await call("one.vn.update", [.int(id), .string(OpenNebulaXML.template([.single("VLAN_ID", vlan.map(String.init) ?? "")])), .int(1)])
        }
        return observe(try await vnetInfo(id) ?? vnet)
    }

    /// Deletes the virtual network; one already gone is deleted.
    func deleteNetwork(_ id: Int) async throws(ProviderError) {
        _ = try await callIfExists("one.vn.delete", [.int(id)])
    }

    private func networkSpec(_ request: ProviderRequest) throws(ProviderError) -> (CIDR, Int?) {
        guard case .string(let text)? = request.spec["cidr"], case .success(let cidr) = CIDR.parse(text) else {
            throw ProviderError(.invalidRequest, provider: name, message: "the request for \(request.id) has no valid cidr", remedy: "report this")
        }
        guard cidr.family == .ipv4 else {
            throw ProviderError(.invalidRequest, provider: name, message: "\(request.id): the opennebula provider makes IPv4 address ranges; \(text) is IPv6",
                remedy: "use an IPv4 cidr (IPv6 ranges are not supported yet)")
        }
        let vlan: Int? = if case .integer(let tag)? = request.spec["vlan"] { tag } else { nil }
        if let vlan, let allowed = config.vlans, !allowed.contains(where: { $0.contains(vlan) }) {
            let offered = allowed.map { $0.count == 1 ? String($0.lowerBound) : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
            throw ProviderError(.invalidRequest, provider: name, message: "\(request.id): spec.vlan \(vlan) is not one of the VLANs connection '\(connection)' offers (\(offered))",
                remedy: "use a VLAN in that range, or ask the operator to add it to the connection's vlans")
        }
        return (cidr, vlan)
    }

    /// The IPv4 address `offset` after the network's.
    static func address(_ cidr: CIDR, plus offset: Int) -> String {
        let base = cidr.address.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        let value = base + offset
        return (0..<4).map { String((value >> (24 - 8 * $0)) & 0xff) }.joined(separator: ".")
    }

    /// The dotted netmask of a prefix length.
    static func mask(_ prefix: Int) -> String {
        let value = prefix == 0 ? 0 : (0xffff_ffff << (32 - prefix)) & 0xffff_ffff
        return (0..<4).map { String((value >> (24 - 8 * $0)) & 0xff) }.joined(separator: ".")
    }

    /// The prefix length of a dotted netmask; nil when it is not one.
    static func prefixLength(_ mask: String) -> Int? {
        let parts = mask.split(separator: ".").compactMap { Int($0) }
        guard parts.count == 4, parts.allSatisfy({ (0...255).contains($0) }) else { return nil }
        let value = parts.reduce(0) { $0 << 8 | $1 }
        let ones = (0...32).first { value == ($0 == 0 ? 0 : (0xffff_ffff << (32 - $0)) & 0xffff_ffff) }
        return ones
    }
}
