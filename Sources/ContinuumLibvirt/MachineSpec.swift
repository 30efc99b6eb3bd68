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
        let machine = try request.virtualMachine(provider: provider)
        name = request.id.name
        cpu = machine.cpu
        memory = machine.memory.bytes
        image = machine.image
        disks = machine.disks.map(\.bytes)
        networks = machine.networks.map(\.name)
        userData = machine.userData
        powerOn = machine.power == .on
    }
}
