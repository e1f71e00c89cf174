import Foundation
import Logging
import MarketCore
import MarketStore
import PluginHosting
import PluginRuntime
import Synchronization

/// The model provider chosen for one reply.
struct ModelChoice: Sendable {
    let plugin: String
    /// The provider's instance; a call goes to the one serving when it starts.
    let serving: ServingInstance
    /// The request's `model` (a variant's); nil keeps the plugin's configured one.
    let model: String?
    /// Merged into the request (a variant's parameters).
    let parameters: [String: JSONValue]
}

/// An enabled plugin of a tenant and its loaded library.
typealias EnabledPlugin = (installation: Installation, library: PluginLibrary)

/// What the engine reads of a tenant's setup: enabled plugins, bot settings and the active
/// experiment. Kept for `EngineLimits.pluginRefresh`, so a message costs no reads for it.
struct TenantSnapshot: Sendable {
    let plugins: [EnabledPlugin]
    /// Enabled plugins that are not installed here or do not load.
    let unavailable: [UnavailablePlugin]
    let settings: BotSettings
    let experiment: Experiment?
}

/// Each tenant's snapshot and when it goes stale.
final class TenantSnapshots: Sendable {
    private let entries = Mutex<[String: (expires: ContinuousClock.Instant, snapshot: TenantSnapshot)]>([:])

    func value(for tenant: String) -> TenantSnapshot? {
        entries.withLock { entries in
            guard let entry = entries[tenant], entry.expires > .now else { return nil }
            return entry.snapshot
        }
    }

    func store(_ snapshot: TenantSnapshot, for tenant: String, until expires: ContinuousClock.Instant) {
        entries.withLock { $0[tenant] = (expires, snapshot) }
    }
}

extension ConversationEngine {
    /// The tenant's setup, read again once `limits.pluginRefresh` has passed.
    /// - Throws: `TENANT_NOT_FOUND`, store errors.
    func snapshot(tenant: String) async throws -> TenantSnapshot {
        if let fresh = snapshots.value(for: tenant) { return fresh }
        let (plugins, unavailable) = try await readEnabledLibraries(tenant: tenant)
        let snapshot = TenantSnapshot(plugins: plugins, unavailable: unavailable,
                                      settings: try await conversations.settings(tenant: tenant),
                                      experiment: try await experiments.active(tenant: tenant))
        snapshots.store(snapshot, for: tenant, until: .now + limits.pluginRefresh)
        return snapshot
    }

    /// The tenant's enabled plugins that are installed here, with their loaded libraries, and
    /// those that are not installed or do not load, with why.
    private func readEnabledLibraries(tenant: String) async throws -> ([EnabledPlugin], [UnavailablePlugin]) {
        var loaded: [EnabledPlugin] = []
        var unavailable: [UnavailablePlugin] = []
        for installation in try await tenants.installations(tenant: tenant, by: .system) where installation.enabled {
            let hosted: HostedLibrary?
            do {
                hosted = try host.library(id: installation.pluginID)
            } catch {
                logger.error("an enabled plugin does not load", metadata: ["plugin": .string(installation.pluginID), "error": .string("\(error)")])
                let tools = (try? host.folders.manifest(for: installation.pluginID))?.tools.map(\.name) ?? []
                unavailable.append(UnavailablePlugin(id: installation.pluginID, reason: "it does not load (\(BotTexts.errorCode(error)))", tools: tools))
                continue
            }
            guard let hosted else {
                logger.warning("an enabled plugin is not installed here", metadata: ["tenant": .string(tenant), "plugin": .string(installation.pluginID)])
                unavailable.append(UnavailablePlugin(id: installation.pluginID, reason: "it is not installed on this server", tools: []))
                continue
            }
            loaded.append((installation, hosted.library))
        }
        return (loaded, unavailable)
    }

    /// The tenant's instance for `installation`, from the process's one owner of plugins: of
    /// the library serving the plugin now (the snapshot's `library` may be up to
    /// `pluginRefresh` old; the instance never is), the same one the delivery workers get. Its
    /// calls follow a switch that comes during the reply.
    func instance(of library: PluginLibrary, installation: Installation) async throws -> ServingInstance {
        try await host.serving(installation)
    }

    /// The tools of the tenant's enabled tool plugins. A plugin that fails to start is left
    /// out (and logged), so one broken plugin does not silence the bot.
    func toolset(tenant: String, libraries: [EnabledPlugin], unavailable: [UnavailablePlugin] = []) async -> Toolset {
        var entries: [ToolEntry] = []
        var unavailable = unavailable
        for (installation, library) in libraries where library.manifest.kinds.contains(.tools) {
            do {
                let cached = try await instance(of: library, installation: installation)
                for tool in cached.owned.tools {
                    let name = ToolName(plugin: library.id, tool: tool.name)
                    entries.append(ToolEntry(name: name, modelName: try? name.encoded(), description: tool.description,
                                             schema: tool.inputSchema, serving: cached))
                }
            } catch {
                logger.error("a tool plugin did not start", metadata: ["tenant": .string(tenant), "plugin": .string(library.id), "error": .string("\(error)")])
                unavailable.append(UnavailablePlugin(id: library.id, reason: "it did not start (\(BotTexts.errorCode(error)))",
                                                     tools: library.manifest.tools.map(\.name)))
            }
        }
        return Toolset(entries, unavailable: unavailable, logger: logger)
    }

    /// The model provider for this reply: the experiment variant's plugin, else the tenant's
    /// chosen one, else its only enabled model plugin; nil when it has none.
    /// - Throws: `MODEL_AMBIGUOUS` when several are enabled and none is chosen,
    ///   `MODEL_NOT_ENABLED` when the chosen one is not enabled; the plugin's start failure.
    func modelChoice(tenant: String, snapshot: TenantSnapshot, assignment: Assignment?) async throws -> ModelChoice? {
        let models = snapshot.plugins.filter { $0.library.manifest.kinds.contains(.model) }
        var variant: Experiment.Variant?
        if let assignment, let experiment = snapshot.experiment, experiment.id == assignment.experiment {
            variant = experiment.variants.first { $0.name == assignment.variant }
        }
        let wanted = variant?.plugin ?? snapshot.settings.modelPlugin
        let chosen: EnabledPlugin?
        if let wanted {
            chosen = models.first { $0.library.id == wanted }
            if chosen == nil {
                let source = variant == nil ? "the bot's settings name" : "variant \(variant?.name ?? "") of the running experiment uses"
                throw MarketError(.modelNotEnabled, "\(source) the model provider \(wanted), which is not enabled for tenant \(tenant) (or not installed)",
                                  fix: "enable it with `market enable \(wanted) --tenant \(tenant)`, or choose another with `market bot set --model-plugin`")
            }
        } else if models.count > 1 {
            throw MarketError(.modelAmbiguous, "tenant \(tenant) has \(models.count) model providers enabled (\(models.map(\.library.id).joined(separator: ", ")))",
                              fix: "choose one with `market bot set --tenant \(tenant) --model-plugin ID`")
        } else {
            chosen = models.first
        }
        guard let chosen else { return nil }
        let cached = try await instance(of: chosen.library, installation: chosen.installation)
        return ModelChoice(plugin: chosen.library.id, serving: cached, model: variant?.model, parameters: variant?.parameters ?? [:])
    }
}
