import MarketCore
import MarketStore

/// What a change of one plugin's desired state decides, the same for the CLI's `--database`
/// commands and the admin API: each front end resolves versions through `RegistryAccess`, asks
/// for consent its own way, and words the refusals for its users.
public enum DesiredChanges {
    /// What to record: the new target (nil: uninstalled) and the one to roll back to.
    public struct Decision: Sendable, Equatable {
        public var target: DesiredPlugin.Target?
        public var previous: DesiredPlugin.Target?

        public init(target: DesiredPlugin.Target?, previous: DesiredPlugin.Target?) {
            self.target = target
            self.previous = previous
        }
    }

    /// Why a change cannot be made; each front end says it in its own words.
    public enum Refusal: Error, Sendable, Equatable {
        /// Update or uninstall of a plugin that is not in the desired state.
        case notDesired
        /// Rollback with no earlier desired version recorded.
        case noEarlierVersion
    }

    /// Asked when the new target declares other permissions than the consented `current`;
    /// throws to refuse the change.
    public typealias Consent = (_ current: DesiredPlugin.Target, _ new: DesiredPlugin.Target) async throws -> Void

    /// Install `wanted`: nil when it is already the desired target.
    public static func install(_ wanted: DesiredPlugin.Target, over current: DesiredPlugin?, consent: Consent) async throws -> Decision? {
        if current?.target == wanted { return nil }
        if let installed = current?.target, installed.permissions != wanted.permissions { try await consent(installed, wanted) }
        return Decision(target: wanted, previous: current?.target)
    }

    /// Update to what `resolve` finds for the desired target: nil when that is its version already.
    public static func update(over current: DesiredPlugin?, resolve: (DesiredPlugin.Target) async throws -> DesiredPlugin.Target,
                              consent: Consent) async throws -> Decision? {
        guard let installed = current?.target else { throw Refusal.notDesired }
        let wanted = try await resolve(installed)
        if wanted.version == installed.version { return nil }
        if installed.permissions != wanted.permissions { try await consent(installed, wanted) }
        return Decision(target: wanted, previous: installed)
    }

    /// Swap the desired target with the one before it (consented to when it was desired).
    public static func rollback(over current: DesiredPlugin?) throws -> Decision {
        guard let previous = current?.previous else { throw Refusal.noEarlierVersion }
        return Decision(target: previous, previous: current?.target)
    }

    /// Record the plugin as uninstalled.
    public static func uninstall(over current: DesiredPlugin?) throws -> Decision {
        guard let installed = current?.target else { throw Refusal.notDesired }
        return Decision(target: nil, previous: installed)
    }

    /// What `record` did.
    public struct Outcome: Sendable {
        /// The state read before the change.
        public let before: DesiredPlugin?
        /// The generation now desired: the new one, or the one read when nothing changed.
        public let generation: Int64
        /// The version now desired; nil: uninstalled (or never desired).
        public let version: String?
        /// Whether a change was recorded (false: it was the desired state already).
        public let recorded: Bool
    }

    /// Reads `pluginID`'s desired state, lets `decide` choose the change, and records it with
    /// its audit entry (`action`, e.g. `plugin.install`) if the state is still at `expecting`
    /// (default: the generation read).
    /// - Throws: `PLUGIN_CHANGE_CONFLICT` when another change was recorded first; what `decide` throws.
    public static func record(_ store: DesiredPlugins, _ pluginID: String, action: String, expecting: Int64?, by principal: Principal,
                              decide: (DesiredPlugin?) async throws -> Decision?) async throws -> Outcome {
        let current = try await store.desired(pluginID)
        guard let decision = try await decide(current) else {
            return Outcome(before: current, generation: current?.generation ?? 0, version: current?.target?.version, recorded: false)
        }
        let generation = try await store.change(pluginID, to: decision.target, previous: decision.previous,
                                                expecting: expecting ?? current?.generation ?? 0, action: action, by: principal)
        return Outcome(before: current, generation: generation, version: decision.target?.version, recorded: true)
    }
}
