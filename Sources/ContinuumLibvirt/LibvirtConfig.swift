public import ContinuumProvider
public import ContinuumSpec

/// The `config` of a `type: libvirt` provider: which hypervisor, where VM disks and
/// cloud-init seeds go, and the hot-plug ceilings of new VMs.
public struct LibvirtConfig: Sendable, Hashable {
    /// The connection URI: `qemu:///system`, `qemu+ssh://host/system`, `test:///default`.
    public var uri: String
    /// The storage pool that holds base images and VM disks (default `default`).
    public var storagePool: String
    /// A directory on the controller's host, readable by the hypervisor, where cloud-init
    /// seed ISOs are written; required for VMs with `userData`.
    public var imageDirectory: String?
    /// The longest a graceful shutdown may take before the VM is forced off (default 2m).
    public var shutdownTimeout: Duration
    /// New VMs may grow to this many vCPUs while running (default: twice their spec).
    public var maxCpu: Int?
    /// New VMs may grow to this much memory while running (default: twice their spec).
    public var maxMemory: Quantity?
    /// An Open vSwitch bridge for networks with a `vlan` (libvirt tags their ports).
    public var vlanBridge: String?

    static let known = ["uri", "storagePool", "imageDirectory", "shutdownTimeout", "maxCpu", "maxMemory", "vlanBridge"]

    /// Reads `config`, or says what is wrong with each field.
    public static func parse(_ config: FieldValue) -> Result<LibvirtConfig, ProviderConfigError> {
        var problems: [String] = []
        func text(_ key: String, _ what: String) -> String? {
            switch config[key] {
            case nil: return nil
            case .string(let value)? where !value.isEmpty: return value
            default:
                problems.append("spec.config.\(key): expected \(what)")
                return nil
            }
        }
        let uri = text("uri", "a libvirt URI such as qemu:///system")
        if config["uri"] == nil { problems.append("spec.config.uri: required: the libvirt URI, such as qemu:///system or qemu+ssh://host/system") }
        let pool = text("storagePool", "a storage pool name") ?? "default"
        let imageDirectory = text("imageDirectory", "an absolute path")
        if let imageDirectory, !imageDirectory.hasPrefix("/") { problems.append("spec.config.imageDirectory: expected an absolute path") }
        var shutdownTimeout = Duration.seconds(120)
        if let field = config["shutdownTimeout"] {
            if case .string(let value) = field, let parsed = DurationText.parse(value), parsed > .zero { shutdownTimeout = parsed } else {
                problems.append("spec.config.shutdownTimeout: expected a duration like \"30s\" or \"2m\"")
            }
        }
        var maxCpu: Int?
        switch config["maxCpu"] {
        case nil: break
        case .integer(let value)? where (1...512).contains(value): maxCpu = value
        case .string(let text)? where Int(text).map({ (1...512).contains($0) }) == true: maxCpu = Int(text)
        default: problems.append("spec.config.maxCpu: expected a whole number from 1 to 512")
        }
        var maxMemory: Quantity?
        switch config["maxMemory"] {
        case nil: break
        case .quantity(let value)?: maxMemory = value
        case .string(let value)?:
            if case .success(let quantity) = Quantity.parse(value) { maxMemory = quantity } else { problems.append("spec.config.maxMemory: expected a quantity like 64Gi") }
        default: problems.append("spec.config.maxMemory: expected a quantity like 64Gi")
        }
        let vlanBridge = text("vlanBridge", "an Open vSwitch bridge name")
        problems += ProviderConfigError.unknownKeys(in: config, known: known, type: "libvirt")
        guard problems.isEmpty, let uri else { return .failure(ProviderConfigError(problems: problems)) }
        return .success(LibvirtConfig(uri: uri, storagePool: pool, imageDirectory: imageDirectory, shutdownTimeout: shutdownTimeout,
            maxCpu: maxCpu, maxMemory: maxMemory, vlanBridge: vlanBridge))
    }
}
