public import ContinuumSpec

/// The k3s release a cluster's machines install for a Kubernetes minor version: pinned,
/// so that two machines created a month apart run the same build. The installer
/// (`get.k3s.io`) checks the binary against the release's published checksums.
public struct K3sRelease: Sendable, Hashable, CustomStringConvertible {
    /// The release tag, for example `v1.31.8+k3s1`.
    public let tag: String

    /// The pinned release per minor version. To move a minor version to a newer patch
    /// release, change its tag here; machines created afterwards install it.
    public static let pinned: [String: String] = [
        "1.29": "v1.29.15+k3s1",
        "1.30": "v1.30.12+k3s1",
        "1.31": "v1.31.8+k3s1",
        "1.32": "v1.32.4+k3s1",
        "1.33": "v1.33.1+k3s1",
    ]

    /// The release pinned for `version`; nil when none is.
    public init?(for version: KubernetesVersion) {
        guard let tag = Self.pinned[version.description] else { return nil }
        self.tag = tag
    }

    /// The minor versions that have a pinned release, in order.
    public static var supportedVersions: [String] {
        pinned.keys.sorted { $0.split(separator: ".").compactMap { Int($0) }.lexicographicallyPrecedes($1.split(separator: ".").compactMap { Int($0) }) }
    }

    public var description: String { tag }
}
