import Foundation
import Logging
import MarketCore
import MarketStore
import PluginRuntime

/// Where plugin folders are found: installed ones (`<state-dir>/plugins/<id>/current`, as
/// `market install` leaves them) first, then folders of plugin folders (`<dir>/<id>`).
public struct PluginDirectories: Sendable {
    public let stateDirectory: URL?
    public let folders: [URL]

    public init(stateDirectory: URL?, folders: [URL] = []) {
        self.stateDirectory = stateDirectory
        self.folders = folders
    }

    /// The folder holding `pluginID`'s plugin.json, if any.
    public func folder(of pluginID: String) -> URL? {
        guard PluginManifest.isIdentifier(pluginID) else { return nil }
        var candidates: [URL] = []
        if let stateDirectory { candidates.append(stateDirectory.appendingPathComponent("plugins/\(pluginID)/current")) }
        candidates += folders.map { $0.appendingPathComponent(pluginID) }
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent(PluginManifest.fileName).path) }
    }
}

/// One instance per tenant installation, created on first use and kept until the
/// installation's settings change (then a new one replaces it) or the engine shuts down.
actor InstanceCache {
    private struct Key: Hashable {
        let tenant: String
        let plugin: String
    }

    private struct Entry {
        let version: Date
        let task: Task<CachedInstance, any Error>
    }

    private var entries: [Key: Entry] = [:]
    private var closed = false

    /// The cached instance of `plugin` for `tenant` made from settings as of `version`, or a
    /// new one from `make` (the stale one, if any, is closed).
    func instance(tenant: String, plugin: String, version: Date,
                  make: @escaping @Sendable () async throws -> CachedInstance) async throws -> CachedInstance {
        guard !closed else {
            throw MarketError(.instanceClosed, "the bot is shutting down", fix: "retry once the host is back")
        }
        let key = Key(tenant: tenant, plugin: plugin)
        if let entry = entries[key], entry.version == version {
            return try await value(of: entry, key: key)
        }
        if let stale = entries[key] { Task { try? await stale.task.value.instance.close() } }
        let entry = Entry(version: version, task: Task { try await make() })
        entries[key] = entry
        return try await value(of: entry, key: key)
    }

    private func value(of entry: Entry, key: Key) async throws -> CachedInstance {
        do {
            return try await entry.task.value
        } catch {
            // A failed start is not cached: the next message tries again (after a fix).
            if entries[key]?.version == entry.version { entries[key] = nil }
            throw error
        }
    }

    /// Closes every instance; later requests fail.
    func closeAll() async {
        closed = true
        let all = entries.values
        entries = [:]
        for entry in all {
            if let cached = try? await entry.task.value { await cached.instance.close() }
        }
    }
}

/// An instance and what the bot needs to know of it.
struct CachedInstance: Sendable {
    let instance: PluginInstance
    let manifest: PluginManifest
    /// The instance's tools, listed once when it was created.
    let tools: [ToolDescription]
}
