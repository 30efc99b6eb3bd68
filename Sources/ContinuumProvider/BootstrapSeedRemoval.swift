public import ContinuumSpec

/// A provider that hands machines their cloud-init through a seed medium (an ISO image in a
/// file: libvirt's CD-ROM, a BMC's virtual media) and can take it back. A cluster machine's
/// seed carries the cluster's join and API tokens, so once the machine is a Ready node
/// (cloud-init has run) the cluster wrapper asks the provider to remove it: the medium is
/// ejected where the provider can, and the file is deleted.
public protocol BootstrapSeedRemoval: Provider {
    /// Ejects the seed medium of the object `providerID` (of `kind`, named `name` in the
    /// spec) where the provider can, and deletes its seed file. Removing a seed that is
    /// already gone succeeds.
    /// - Throws: `ProviderError` when the medium cannot be ejected or the file cannot be
    ///   deleted; the message names the file, never its contents.
    func removeBootstrapSeed(of kind: ResourceKind, providerID: String, name: String) async throws(ProviderError)
}
