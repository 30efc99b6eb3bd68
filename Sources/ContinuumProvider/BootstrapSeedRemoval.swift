public import ContinuumSpec

/// A provider that hands machines their cloud-init through a seed medium (an ISO image in a
/// file: libvirt's CD-ROM, a BMC's virtual media) and can take it back. A cluster machine's
/// seed carries the cluster's join and API tokens, so once the machine is a Ready node
/// (cloud-init has run) the cluster wrapper asks the provider to remove it: the medium is
/// ejected where the provider can, and the file is deleted.
public protocol BootstrapSeedRemoval: Provider {
    /// Deletes the seed file of the object `providerID` (of `kind`, named `name` in the
    /// spec), found by the name too, so that it goes even when the object or its
    /// provider's API is gone, and ejects its seed medium where the provider can. The file
    /// goes first and whatever the API calls do (and under cancellation): it is what
    /// carries the tokens. Removing a seed that is already gone succeeds.
    /// - Throws: `ProviderError` when the file cannot be deleted, or the provider's API
    ///   fails to take the seed out of the object's definition (the file is deleted all
    ///   the same); the message names the file, never its contents.
    func removeBootstrapSeed(of kind: ResourceKind, providerID: String, name: String) async throws(ProviderError)
}
