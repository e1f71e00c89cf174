import ServiceLifecycle

/// The pool as a long-lived part of a `ServiceGroup`: started when the group starts it (or
/// before, for work that precedes the group), drained when the group shuts down. List it before
/// the services that use it, so it is stopped after them.
extension DatabasePool: Service {
    public func run() async throws {
        start()
        // Returns at the graceful shutdown; throws when the group is cancelled: drained either way.
        try? await gracefulShutdown()
        await shutdown()
    }
}
