import Foundation
import MarketCore
import MarketStore
import PluginRuntime

/// What an instance was made from: the library build and the installation's settings as of
/// their last change. An instance serves requests that want the same library and settings no
/// newer than its own.
struct InstanceVersion: Hashable, Sendable {
    let library: LibraryIdentity
    let settings: Date
}

/// One instance per tenant installation, created on first use and kept until the library
/// serving the plugin or the installation's settings change (then a new one replaces it), it is
/// closed, or every instance is closed. A replaced instance refuses new calls at once, finishes
/// the ones inside it, and is then destroyed (`PluginInstance.close()`); callers holding it
/// through a `ServingInstance` follow to the new one.
actor InstanceCache {
    private struct Entry {
        let version: InstanceVersion
        let task: Task<OwnedInstance, any Error>
    }

    private var entries: [Subscriber: Entry] = [:]
    private var closed = false

    /// The cached instance of `key` made from `version`, or a new one from `make` (the stale
    /// one, if any, is closed). A request that read the settings before the cached instance's
    /// change gets the cached instance: settings are read afresh when an instance is made, so
    /// an older request must not replace a newer instance (the engine's tenant snapshot may be
    /// a second or two old).
    func instance(_ key: Subscriber, version: InstanceVersion, make: @escaping @Sendable () async throws -> OwnedInstance) async throws -> OwnedInstance {
        guard !closed else {
            throw MarketError(.instanceClosed, "the host is shutting down, so it starts no plugin instance", fix: "retry once the host is back")
        }
        if let entry = entries[key], entry.version.library == version.library, entry.version.settings >= version.settings {
            return try await value(of: entry, key: key)
        }
        if let stale = entries[key] { Task { try? await stale.task.value.instance.close() } }
        let entry = Entry(version: version, task: Task { try await make() })
        entries[key] = entry
        return try await value(of: entry, key: key)
    }

    private func value(of entry: Entry, key: Subscriber) async throws -> OwnedInstance {
        do {
            return try await entry.task.value
        } catch {
            // A failed start is not cached: the next use tries again (after a fix).
            if entries[key]?.version == entry.version { entries[key] = nil }
            throw error
        }
    }

    /// Whether `key` has an instance, made or being made.
    func contains(_ key: Subscriber) -> Bool { entries[key] != nil }

    /// Closes `key`'s instance, if any; the next use makes a new one.
    func close(_ key: Subscriber) async {
        guard let entry = entries.removeValue(forKey: key) else { return }
        if let owned = try? await entry.task.value { await owned.instance.close() }
    }

    /// Closes every instance; later requests fail.
    func closeAll() async {
        closed = true
        let all = entries.values
        entries = [:]
        for entry in all {
            if let owned = try? await entry.task.value { await owned.instance.close() }
        }
    }
}
