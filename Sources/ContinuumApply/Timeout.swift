import ContinuumProvider

/// Bounds one provider call in time: past the limit the call is cancelled and counts as a
/// retryable failure.
enum Timeout {
    static func run<T: Sendable>(_ limit: Duration, provider: String, _ body: @escaping @Sendable () async throws(ProviderError) -> T) async throws(ProviderError) -> T {
        let result: Result<T, ProviderError>? = await withTaskGroup(of: Result<T, ProviderError>?.self) { group in
            group.addTask {
                do throws(ProviderError) { return .success(try await body()) } catch { return .failure(error) }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let result else {
            throw ProviderError(.transient, provider: provider, message: "the call took longer than \(limit)", remedy: "it is retried; raise the timeout if the provider is slow")
        }
        return try result.get()
    }
}
