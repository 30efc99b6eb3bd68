import ContinuumExternal
import Synchronization

/// External provider programs by provider name: one program per provider for as long as
/// its config stays the same, however often a registry is built.
final class ExternalProviderPool: Sendable {
    private let providers = Mutex<[String: (config: ExternalProviderConfig, provider: ExternalProvider)]>([:])

    /// The provider for `name` with `config`, started before or new.
    func provider(name: String, config: ExternalProviderConfig) -> ExternalProvider {
        providers.withLock { providers in
            if let existing = providers[name], existing.config == config { return existing.provider }
            let provider = ExternalProvider(name: name, config: config)
            providers[name] = (config, provider)
            return provider
        }
    }
}
