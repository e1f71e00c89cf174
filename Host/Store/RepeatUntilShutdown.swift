import ServiceLifecycle

/// The loop of a service that does one round of work every `interval` (the analytics roller,
/// the connection refresher) until the graceful shutdown or cancellation. A round that fails
/// is handed to `failed` and the next one comes at the next tick; a round in flight when the
/// shutdown comes finishes first.
func repeatUntilShutdown(every interval: Duration, _ round: @escaping @Sendable () async throws -> Void,
                         failed: @escaping @Sendable (any Error) -> Void) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            do {
                try await round()
            } catch where !Task.isCancelled {
                failed(error)
            } catch {
                return
            }
            try? await Task.sleep(for: interval)
        }
    }
}
