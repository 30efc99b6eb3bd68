public import ContinuumProvider
public import ContinuumSpec
public import Foundation

/// The `config` of a `type: opennebula` provider, fixed by the operator's connection: the
/// front-end's XML-RPC endpoint and how to trust it, which VM templates the spec's image
/// names stand for, how networks are made, and how long operations may take. The session
/// comes from the connection's credentials (`session`, or `username` and `password`).
public struct OpenNebulaConfig: Sendable, Hashable {
    /// The XML-RPC endpoint, such as `https://one.example:2633/RPC2`.
    public var endpoint: URL
    /// A PEM file of CA certificates to trust instead of the system's.
    public var caFile: String?
    /// VM templates by the image name a spec writes: such a VM is instantiated from the
    /// template (`one.template.instantiate`); any other image is a disk image by name.
    public var templates: [String: Int]
    /// When set, the only image names a spec may use besides `templates`' (by name, for
    /// `one.vm.allocate`); nil lets any image the session's user can use.
    public var images: [String]?
    /// The owner of the images named by specs (`IMAGE_UNAME`), when not the session's user.
    public var imageOwner: String?
    /// The network driver of new virtual networks (`VN_MAD`, default `bridge`; `802.1Q` for VLANs).
    public var vnMad: String
    /// The host bridge of new virtual networks (`BRIDGE`).
    public var bridge: String?
    /// The physical device VLAN networks are tagged on (`PHYDEV`).
    public var phydev: String?
    /// When set, the only VLAN IDs a spec's `vlan` may name (`"100-199,300"`); nil lets
    /// any. A spec's VLAN is sent as `VLAN_ID` on the operator's `phydev`: on a shared
    /// connection this keeps tenants off each other's (and the operator's) VLANs.
    public var vlans: [ClosedRange<Int>]?
    /// Whether the hypervisor resizes running VMs (hot resize); when false (the default),
    /// a CPU or memory change powers the VM off, resizes it and resumes it.
    public var resizeWhileRunning: Bool
    /// How long a VM may take to reach RUNNING, or POWEROFF (default 10m).
    public var stateTimeout: Duration
    /// How often a VM's state is polled while waiting (default 2s).
    public var pollInterval: Duration

    /// The keys it takes.
    public static let known = ["endpoint", "caFile", "templates", "images", "imageOwner", "vnMad", "bridge", "phydev", "vlans", "resizeWhileRunning", "stateTimeout", "pollInterval"]

    /// Reads `config`, or says what is wrong with each field.
    public static func parse(_ config: FieldValue) -> Result<OpenNebulaConfig, ProviderConfigError> {
        var problems: [String] = []
        var endpoint: URL?
        if case .string(let text)? = config["endpoint"], let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil {
            endpoint = url
        } else {
            problems.append("spec.config.endpoint: required: the front-end's XML-RPC URL, such as https://one.example:2633/RPC2")
        }
        func text(_ key: String, _ what: String) -> String? {
            switch config[key] {
            case nil: return nil
            case .string(let value)? where !value.isEmpty: return value
            default:
                problems.append("spec.config.\(key): expected \(what)")
                return nil
            }
        }
        let caFile = text("caFile", "a path to a PEM file")
        var templates: [String: Int] = [:]
        switch config["templates"] {
        case nil: break
        case .map(let entries)?:
            for entry in entries {
                switch entry.value {
                case .integer(let id) where id >= 0: templates[entry.key] = id
                case .string(let text) where Int(text).map({ $0 >= 0 }) == true: templates[entry.key] = Int(text)
                default: problems.append("spec.config.templates.\(entry.key): expected a VM template ID, a whole number")
                }
            }
        default: problems.append("spec.config.templates: expected a mapping of image names to VM template IDs, such as {debian-12: 7}")
        }
        var images: [String]?
        switch config["images"] {
        case nil: break
        case .list(let items)?:
            images = []
            for item in items {
                if case .string(let name) = item, !name.isEmpty { images?.append(name) } else { problems.append("spec.config.images: expected a list of image names") }
            }
        default: problems.append("spec.config.images: expected a list of image names")
        }
        var vlans: [ClosedRange<Int>]?
        if let field = config["vlans"] {
            let text: String? = switch field {
            case .string(let text): text
            case .integer(let tag): String(tag)
            case .list(let items): items.map { item -> String in
                switch item {
                case .string(let text): text
                case .integer(let tag): String(tag)
                default: "?"
                }
            }.joined(separator: ",")
            default: nil
            }
            vlans = text.flatMap(Self.vlanRanges)
            if vlans == nil { problems.append("spec.config.vlans: expected VLAN IDs and ranges between 1 and 4094, such as \"100-199,300\"") }
        }
        var resizeWhileRunning = false
        switch config["resizeWhileRunning"] {
        case nil: break
        case .boolean(let flag)?: resizeWhileRunning = flag
        case .string(let text)? where ["true", "True", "TRUE"].contains(text): resizeWhileRunning = true
        case .string(let text)? where ["false", "False", "FALSE"].contains(text): resizeWhileRunning = false
        default: problems.append("spec.config.resizeWhileRunning: expected true or false")
        }
        func duration(_ key: String, default value: Duration) -> Duration {
            guard let field = config[key] else { return value }
            if case .string(let text) = field, let parsed = DurationText.parse(text), parsed > .zero { return parsed }
            problems.append("spec.config.\(key): expected a duration like \"30s\" or \"5m\"")
            return value
        }
        let parsed = OpenNebulaConfig(
            endpoint: endpoint ?? URL(fileURLWithPath: "/"), caFile: caFile, templates: templates, images: images,
            imageOwner: text("imageOwner", "an OpenNebula user name"), vnMad: text("vnMad", "a network driver such as bridge or 802.1Q") ?? "bridge",
            bridge: text("bridge", "a host bridge name"), phydev: text("phydev", "a host network device"), vlans: vlans, resizeWhileRunning: resizeWhileRunning,
            stateTimeout: duration("stateTimeout", default: .seconds(600)), pollInterval: duration("pollInterval", default: .seconds(2)))
        problems += ProviderConfigError.unknownKeys(in: config, known: known, type: "opennebula")
        guard problems.isEmpty, endpoint != nil else { return .failure(ProviderConfigError(problems: problems)) }
        return .success(parsed)
    }

    /// The ranges of a VLAN list such as `100-199,300`; nil when it is not one.
    static func vlanRanges(_ text: String) -> [ClosedRange<Int>]? {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty else { return nil }
        var ranges: [ClosedRange<Int>] = []
        for part in parts {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil, 1 <= low, low <= high, high <= 4094 else { return nil }
            ranges.append(low...high)
        }
        return ranges
    }
}
