import ContinuumProvider
import ContinuumSpec

/// A virtual machine's desired spec, read from a provider request.
struct MachineSpec {
    var name: String
    var cpu: Int
    var memory: Int64
    var image: String
    var disks: [Int64]
    var networks: [String]
    var userData: String?
    var powerOn: Bool

    init(_ request: ProviderRequest, provider: String) throws(ProviderError) {
        let spec = request.spec
        guard case .integer(let cpu)? = spec["cpu"], case .quantity(let memory)? = spec["memory"], case .string(let image)? = spec["image"] else {
            throw ProviderError(.invalidRequest, provider: provider, message: "the request for \(request.id) has no cpu, memory or image", remedy: "report this")
        }
        name = request.id.name
        self.cpu = cpu
        self.memory = memory.bytes
        self.image = image
        if case .list(let items)? = spec["disks"] {
            disks = items.compactMap { if case .quantity(let size)? = $0["size"] { size.bytes } else { nil } }
        } else {
            disks = []
        }
        if case .list(let items)? = spec["networks"] {
            networks = items.compactMap { if case .reference(let id) = $0 { id.name } else if case .string(let name) = $0 { name } else { nil } }
        } else {
            networks = []
        }
        if case .string(let text)? = spec["userData"] { userData = text } else { userData = nil }
        powerOn = spec["power"] != .string("off")
    }
}
