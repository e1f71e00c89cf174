import PluginHosting
import PluginRuntime
import ServiceLifecycle

/// The plugins of `market serve` as a service: listed after the pool and before everything
/// that calls plugins, so at a graceful shutdown it stops after them, closing every plugin
/// instance and then the runtime's threads, before the pool drains.
struct ServePluginHosting: Service {
    let host: PluginHost
    let runtime: PluginRuntime

    func run() async throws {
        // Returns at the graceful shutdown; throws when the group is cancelled: closed either way.
        try? await gracefulShutdown()
        await host.closeAll()
        await runtime.shutdown()
    }
}
