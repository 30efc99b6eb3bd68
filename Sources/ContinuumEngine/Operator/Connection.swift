public import ContinuumSpec

/// A named way to reach a provider, declared by the operator: its type, the provider
/// settings it fixes (endpoint, URI, directories), its credentials, its ceilings and the
/// settings a spec may tune.
public struct Connection: Sendable, Hashable {
    /// The connection's name, which a spec `Provider` names in `spec.connection`.
    public var name: String
    /// The provider type it serves.
    public var type: ProviderType
    /// The provider settings the operator fixes (the same keys as a provider's `config`).
    public var settings: FieldValue
    /// The `config` keys a spec may set on top of `settings`.
    public var tunable: [String]
    /// Credentials by name (`username`, `password`), each in a file beneath the secrets
    /// directory or in an environment variable.
    public var credentials: [String: OperatorSecret]
    /// Whether credentials may travel without TLS (`http://`): only for labs.
    public var allowPlaintext: Bool
    /// Whether libvirt URIs may use transports and parameters that run programs or read
    /// host files (`ext`, `command=`, `socket=`, `netcat=`, `keyfile=`, `no_verify=`, `test://`).
    public var allowUnsafeURI: Bool
    /// Whether the APIs of the Kubernetes clusters on this connection's machines are used
    /// without verifying their TLS certificates against the CA Continuum generated for
    /// each cluster (`insecureSkipClusterVerify: true`): only for clusters whose k3s was
    /// not given that CA. Every client made so says so on standard error.
    public var insecureSkipClusterVerify = false
    /// The most operations a spec's `limits.concurrency` may ask for.
    public var maximumConcurrency: Int?
    /// The most requests a second a spec's `limits.requestsPerSecond` may ask for.
    public var maximumRequestsPerSecond: Double?
    /// For `type: external`: the program to run.
    public var program: ProviderProgram?
    /// Where it is declared, for messages.
    public var location: SourceLocation?

    /// Creates a connection.
    public init(
        name: String, type: ProviderType, settings: FieldValue = .map([]), tunable: [String] = [], credentials: [String: OperatorSecret] = [:],
        allowPlaintext: Bool = false, allowUnsafeURI: Bool = false, maximumConcurrency: Int? = nil, maximumRequestsPerSecond: Double? = nil,
        program: ProviderProgram? = nil, location: SourceLocation? = nil
    ) {
        self.name = name
        self.type = type
        self.settings = settings
        self.tunable = tunable
        self.credentials = credentials
        self.allowPlaintext = allowPlaintext
        self.allowUnsafeURI = allowUnsafeURI
        self.maximumConcurrency = maximumConcurrency
        self.maximumRequestsPerSecond = maximumRequestsPerSecond
        self.program = program
        self.location = location
    }

    /// The provider `config` a spec gets through this connection: the operator's settings,
    /// with the tunable keys the spec set on top.
    public func effectiveConfig(tunedBy config: FieldValue) -> FieldValue {
        guard case .map(var merged) = settings else { return settings }
        if case .map(let tuned) = config {
            for entry in tuned where tunable.contains(entry.key) {
                merged.removeAll { $0.key == entry.key }
                merged.append(entry)
            }
        }
        return .map(merged)
    }
}

/// An external provider program, declared by the operator: never by a spec.
public struct ProviderProgram: Sendable, Hashable {
    /// The program's absolute path.
    public var path: String
    /// Its arguments.
    public var arguments: [String]
    /// The SHA-256 the file must have, hex; checked before each start when set.
    public var sha256: String?
    /// The names of the controller's environment variables passed to it (nothing else is).
    public var environment: [String]
    /// The longest one call may take (the spec may ask for less, not more).
    public var timeout: Duration

    /// Creates a program.
    public init(path: String, arguments: [String] = [], sha256: String? = nil, environment: [String] = [], timeout: Duration = .seconds(300)) {
        self.path = path
        self.arguments = arguments
        self.sha256 = sha256
        self.environment = environment
        self.timeout = timeout
    }
}

/// Which spec directories a team owns and what they may use there.
public struct Tenant: Sendable, Hashable {
    /// The tenant's name.
    public var name: String
    /// Spec directories (relative to the spec repository's root, `fra/`) it owns.
    public var paths: [String]
    /// The connections its `Provider` resources may name.
    public var connections: [String]
    /// The kinds it may declare; empty means every kind.
    public var kinds: [ResourceKind]
    /// Labels every node selector of its clusters must require, so its clusters only take
    /// nodes so labelled (`{team: fra}`).
    public var nodeLabels: [String: String]

    /// Creates a tenant.
    public init(name: String, paths: [String], connections: [String] = [], kinds: [ResourceKind] = [], nodeLabels: [String: String] = [:]) {
        self.name = name
        self.paths = paths
        self.connections = connections
        self.kinds = kinds
        self.nodeLabels = nodeLabels
    }

    /// Whether `file` (relative to the repository's root) is in one of its directories.
    public func owns(_ file: String) -> Bool {
        depth(of: file) > 0
    }

    /// How specific its claim on `file` is: the length of its longest directory containing
    /// it, 0 when none does.
    func depth(of file: String) -> Int {
        paths.map { path in
            let directory = path.hasSuffix("/") ? path : path + "/"
            return file.hasPrefix(directory) || file == path ? directory.count : 0
        }.max() ?? 0
    }
}
