public import ContinuumSpec

/// A virtual machine's spec as a provider receives it: typed, with every interpolation
/// filled in.
public struct ResolvedVirtualMachine: Sendable, Hashable {
    /// vCPUs.
    public var cpu: Int
    /// Memory.
    public var memory: Quantity
    /// The image's name or URL.
    public var image: String
    /// Data disk sizes, in order.
    public var disks: [Quantity]
    /// The networks it attaches to (of its own provider).
    public var networks: [ResourceID]
    /// Cloud-init user data.
    public var userData: String?
    /// Whether it runs.
    public var power: PowerState
}

/// A bare-metal node's spec as a provider receives it: typed, with every interpolation
/// filled in.
public struct ResolvedBareMetalNode: Sendable, Hashable {
    /// The system's identity at the BMC.
    public var systemId: String
    /// The image to provision.
    public var image: String
    /// How it boots.
    public var bootMode: BootMode
    /// Whether it runs.
    public var power: PowerState
    /// Cloud-init user data (a cluster worker's), when set.
    public var userData: String?
}

extension ProviderRequest {
    /// The request's spec as a virtual machine's.
    /// - Throws: `ProviderError` (`invalidRequest`) when the request is not one: a bug, since
    ///   specs are validated before any request is made.
    public func virtualMachine(provider: String) throws(ProviderError) -> ResolvedVirtualMachine {
        guard id.kind == .virtualMachine, case .integer(let cpu)? = spec["cpu"], case .quantity(let memory)? = spec["memory"],
            case .string(let image)? = spec["image"]
        else { throw malformed(provider, "cpu, memory or image") }
        var disks: [Quantity] = []
        if case .list(let items)? = spec["disks"] {
            for item in items {
                guard case .quantity(let size)? = item["size"] else { throw malformed(provider, "disks[].size") }
                disks.append(size)
            }
        }
        var networks: [ResourceID] = []
        if case .list(let items)? = spec["networks"] {
            for item in items {
                guard case .reference(let network) = item else { throw malformed(provider, "networks") }
                networks.append(network)
            }
        }
        return ResolvedVirtualMachine(
            cpu: cpu, memory: memory, image: image, disks: disks, networks: networks, userData: text("userData"),
            power: try power(provider))
    }

    /// The request's spec as a bare-metal node's.
    /// - Throws: `ProviderError` (`invalidRequest`) when the request is not one.
    public func bareMetalNode(provider: String) throws(ProviderError) -> ResolvedBareMetalNode {
        guard id.kind == .bareMetalNode, let systemId = text("systemId"), let image = text("image") else { throw malformed(provider, "systemId or image") }
        var bootMode = BootMode.uefi
        if let text = text("bootMode") {
            guard let mode = BootMode(rawValue: text) else { throw malformed(provider, "bootMode") }
            bootMode = mode
        }
        return ResolvedBareMetalNode(systemId: systemId, image: image, bootMode: bootMode, power: try power(provider), userData: text("userData"))
    }

    private func text(_ key: String) -> String? {
        if case .string(let value)? = spec[key] { value } else { nil }
    }

    private func power(_ provider: String) throws(ProviderError) -> PowerState {
        guard let text = text("power") else { return .on }
        guard let power = PowerState(rawValue: text) else { throw malformed(provider, "power") }
        return power
    }

    private func malformed(_ provider: String, _ what: String) -> ProviderError {
        ProviderError(.invalidRequest, provider: provider, message: "the request for \(id) has no valid \(what)",
            remedy: "run `continuum validate`; a request that passed validation and still says this is a bug to report")
    }
}
