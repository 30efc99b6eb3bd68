public import ContinuumSpec
import Foundation

/// Reads the value a secret reference points at, when a provider needs it (apply time):
/// `fromEnv` from the process environment, `fromFile` from a file (surrounding whitespace
/// removed). Errors name the reference, never a value.
public enum SecretResolver {
    /// The secret's value.
    public static func resolve(_ reference: SecretReference, provider: String, field: String) throws(ProviderError) -> String {
        switch reference {
        case .fromEnv(let variable):
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw ProviderError(.invalidRequest, provider: provider, message: "\(field): the environment variable \(variable) is not set",
                    remedy: "set it in the controller's environment (a Kubernetes Secret as env)")
            }
            return value
        case .fromFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ProviderError(.invalidRequest, provider: provider, message: "\(field): cannot read \(path)",
                    remedy: "mount the secret there (a Kubernetes Secret volume) and check its permissions")
            }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
