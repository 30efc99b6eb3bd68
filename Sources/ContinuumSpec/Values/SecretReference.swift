/// Where the controller reads a credential at apply time. The value itself is never in a
/// spec, a plan, a log, the state store or an API answer.
public enum SecretReference: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Read from this environment variable.
    case fromEnv(String)
    /// Read from this file (for example a mounted Kubernetes Secret).
    case fromFile(String)

    /// Always `(sensitive)`: the shape of a secret is not shown either.
    public var description: String { "(sensitive)" }
}
