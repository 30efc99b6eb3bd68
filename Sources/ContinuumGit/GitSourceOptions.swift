public import Foundation

/// Where a Git source fetches from and what it tracks.
public struct GitSourceOptions: Sendable, Hashable {
    /// The repository URL: `file://`, `git://`, `http(s)://`, `ssh://` or scp-like `git@host:path`.
    public var url: String
    /// What to track.
    public var reference: GitReference
    /// The spec repository's sub-directory inside the Git repository, if any.
    public var path: String?
    /// Where the bare clone and the checkouts live.
    public var cacheDirectory: URL
    /// How many checked-out revisions to keep (the newest; default 3).
    public var keptCheckouts: Int
    /// Credentials, known hosts and the signing keyring.
    public var credentials: GitCredentials

    /// Creates options.
    public init(
        url: String, reference: GitReference = .branch("main"), path: String? = nil, cacheDirectory: URL, keptCheckouts: Int = 3,
        credentials: GitCredentials = GitCredentials()
    ) {
        self.url = url
        self.credentials = credentials
        self.reference = reference
        self.path = path
        self.cacheDirectory = cacheDirectory
        self.keptCheckouts = max(1, keptCheckouts)
    }

    /// The URL with any user information left out, for messages and logs.
    public var displayURL: String {
        guard var components = URLComponents(string: url), components.user != nil || components.password != nil else { return url }
        components.user = nil
        components.password = nil
        return components.string ?? url
    }
}
