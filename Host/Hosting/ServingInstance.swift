import MarketCore
import PluginRuntime

/// A (tenant, plugin)'s instance as a caller holds it across several calls (a reply's tools
/// and model, one delivery): every call goes to the instance serving now, so a hot switch never
/// fails a call (docs/decisions.md, "Hot switch with drain").
///
/// Before each call it checks whether the owner has resolved the plugin to another library since
/// (an atomic load; no lock, no disk access); if so it asks the owner for the current instance. The owner
/// resolves on every reply and delivery, and at once when the reconciler switches a version. A
/// call the held instance refused
/// because it was closed (replaced by a switch or a settings change while the call waited) is
/// sent to the current instance instead: a refused call never entered the plugin, so sending
/// it again runs it once. When the owner has no other instance (it is shutting down, or the
/// installation was disabled) the refusal stands.
public struct ServingInstance: Sendable {
    let host: PluginHost
    public let tenantID: String
    public let pluginID: String
    /// The instance this handle started with.
    public let owned: OwnedInstance
    /// The owner's record of the plugin's resolutions, and the serial at which it last agreed
    /// with `owned` (-1: it did not, so the first call looks).
    let resolution: Resolution
    let agreedSerial: Int

    /// How many times one call follows a switch: each one means another switch happened
    /// between getting the current instance and entering it.
    static let maximumFollows = 8

    init(host: PluginHost, owned: OwnedInstance, tenantID: String) {
        self.host = host
        self.owned = owned
        self.tenantID = tenantID
        pluginID = owned.instance.pluginID
        resolution = host.resolution(of: pluginID)
        let now = resolution.current
        agreedSerial = now.identity == nil || now.identity == owned.identity ? now.serial : -1
    }

    /// Runs `body` on the instance serving now and says which library build ran it.
    /// - Returns: the call's outcome, and the identity of the library of the instance that ran
    ///   it (or refused it last), also when it failed.
    public func run<Value: Sendable>(_ body: @Sendable (PluginInstance) async throws -> Value) async -> PluginCallOutcome<Value> {
        var current = owned
        // Nearly always the serial has not moved: one atomic load, no lock, no string compare.
        if resolution.currentSerial != agreedSerial, let serving = resolution.current.identity, serving != current.identity {
            do {
                guard let fresh = try await host.enabledInstance(tenant: tenantID, plugin: pluginID) else {
                    return PluginCallOutcome(result: .failure(Self.gone(pluginID, tenantID)), library: serving)
                }
                current = fresh
            } catch {
                return PluginCallOutcome(result: .failure(error), library: serving)
            }
        }
        for _ in 0..<Self.maximumFollows {
            do {
                let value = try await body(current.instance)
                host.health.recordCall(pluginID, library: current.identity, error: nil)
                return PluginCallOutcome(result: .success(value), library: current.identity)
            } catch let error as MarketError where error.code == .instanceClosed {
                guard let fresh = try? await host.enabledInstance(tenant: tenantID, plugin: pluginID), fresh.instance !== current.instance else {
                    return PluginCallOutcome(result: .failure(error), library: current.identity)
                }
                current = fresh
            } catch {
                host.health.recordCall(pluginID, library: current.identity, error: error)
                return PluginCallOutcome(result: .failure(error), library: current.identity)
            }
        }
        return PluginCallOutcome(result: .failure(MarketError(.instanceClosed, "\(pluginID) for tenant \(tenantID) was switched \(Self.maximumFollows) times during one call",
                                                              fix: "retry; the plugin is changing faster than calls can start")),
                                 library: current.identity)
    }

    /// Calls `tool` on the instance serving now (see `run`).
    public func callTool(_ tool: String, arguments: String, context: String = "{}", timeout: Duration? = nil) async -> PluginCallOutcome<String> {
        await run { try await $0.callTool(tool, arguments: arguments, context: context, timeout: timeout) }
    }

    private static func gone(_ plugin: String, _ tenant: String) -> MarketError {
        MarketError(.instanceClosed, "\(plugin) is no longer enabled for tenant \(tenant) or not installed here", fix: "enable or install it again")
    }
}

/// What one call into a plugin came to, and which build of the plugin ran it.
public struct PluginCallOutcome<Value: Sendable>: Sendable {
    public let result: Result<Value, any Error>
    public let library: LibraryIdentity

    public func get() throws -> Value { try result.get() }
}
