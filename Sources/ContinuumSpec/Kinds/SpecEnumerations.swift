/// The power state a machine should be in.
public enum PowerState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Running.
    case on
    /// Stopped.
    case off
}

/// How a bare-metal node boots its image.
public enum BootMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// UEFI firmware.
    case uefi = "UEFI"
    /// Legacy BIOS.
    case legacy = "Legacy"
}

/// The provider implementations spec-v1 names.
public enum ProviderType: String, Sendable, Hashable, Codable, CaseIterable {
    /// The embedded simulated cloud.
    case sim
    /// Virtual machines and networks through libvirt.
    case libvirt
    /// Bare-metal servers through a Redfish BMC.
    case redfish
    /// An out-of-process provider.
    case external
    /// Virtual machines and networks on an OpenNebula front-end (XML-RPC).
    case opennebula
}
