import ArgumentParser
import Foundation
import Logging
import MarketCore
import MarketStore
import PluginHosting
import PluginRuntime

/// Options shared by the commands that create a plugin instance.
struct InstanceOptions: ParsableArguments {
    @Argument(help: "The plugin folder (holding plugin.json), its plugin.json, or the id of an installed plugin.")
    var path: String

    @Option(help: "The tenant the instance runs for.")
    var tenant: String = "local"

    @Option(help: "The instance's configuration, a JSON object.")
    var config: String = "{}"

    @Option(name: .customLong("secret"), help: ArgumentHelp("A secret for the instance, as NAME=VALUE (repeatable).", valueName: "name=value"))
    var secrets: [String] = []

    /// The key-value store keeps its files in `<state-dir>/kv`.
    @OptionGroup var state: StateOptions

    @Option(help: "Seconds a call may take before it fails with TIMEOUT.")
    var timeout: Double = 30

    func validate() throws {
        guard case .object? = try? JSONValue(parsing: config) else {
            throw ValidationError("--config must be a JSON object, e.g. '{\"max_notes\": 10}'")
        }
        for secret in secrets where !secret.contains("=") {
            throw ValidationError("--secret takes NAME=VALUE; '\(secret.split(separator: "=").first ?? "")' has no '='")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
    }

    var callTimeout: Duration { .milliseconds(Int(timeout * 1000)) }

    var secretValues: [String: String] {
        Dictionary(secrets.map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }, uniquingKeysWith: { _, last in last })
    }

    var stateDirectory: URL { state.stateDirectory }

    /// `--config` and `--secret` as a tenant's installation would give them to the plugin:
    /// defaults filled in, validated against the manifest's config schema, secret fields put in.
    /// - Throws: `CONFIG_INVALID` naming each field, with the option that fixes it.
    func instanceConfig(for manifest: PluginManifest) throws -> JSONValue {
        try manifest.instanceConfig(try JSONValue(parsing: config), secrets: secretValues, subject: "the --config of \(manifest.id)",
                                    fix: "correct the fields listed in --config '{…}' (secret fields: --secret NAME=VALUE); `market plugin inspect` shows the schema")
    }

    /// How long a command waits, after its work, for calls still inside the plugin.
    static let closeGrace: Duration = .seconds(1)

    /// Loads the plugin, creates an instance, runs `body` with it, and closes it whatever
    /// `body` did. A call that ran past `--timeout` has already failed with `TIMEOUT`, but the
    /// plugin may still be in it, forever if it loops (nothing in process can stop it): the
    /// command then ends without waiting for it, and process exit ends the plugin's thread.
    func withInstance<Result>(_ body: (PluginInstance) async throws -> Result) async throws -> Result {
        let runtime = try makeRuntime()
        let outcome: Swift.Result<Result, any Error>
        let stuck: Bool
        do {
            let instance = try await open(runtime)
            do { outcome = .success(try await body(instance)) } catch { outcome = .failure(error) }
            stuck = !(await instance.close(waitingAtMost: Self.closeGrace))
        } catch {
            outcome = .failure(error)
            // A create past its deadline may still be running on the runtime's threads.
            stuck = (error as? MarketError)?.code == .timeout
        }
        if !stuck { await runtime.shutdown() }
        return try outcome.get()
    }

    private func makeRuntime() throws -> PluginRuntime {
        let services = HostServices(
            logger: Logger(label: "market.plugin"),
            keyValue: try FileKeyValueStore(root: stateDirectory.appendingPathComponent("kv")),
            events: PrintingEventPublisher()
        )
        return PluginRuntime(services: services, limits: { var limits = CallLimits(); limits.defaultTimeout = callTimeout; return limits }())
    }

    /// The plugin `path` names, through the plugin owner: a folder or plugin.json on disk as
    /// given, else an id resolved by the owner's precedence rule (the installed plugin here).
    /// - Throws: `PLUGIN_NOT_FOUND` for an id with no folder; the loader's errors.
    func library(_ runtime: PluginRuntime) throws -> PluginLibrary {
        let host = PluginHost(runtime: runtime, folders: PluginFolders(stateDirectory: stateDirectory), logger: Logger(label: "market.plugin"))
        var url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: url.path) || !PluginManifest.isIdentifier(path) {
            if url.lastPathComponent == PluginManifest.fileName { url.deleteLastPathComponent() }
            return try host.library(in: url).library
        }
        guard let hosted = try host.library(id: path) else {
            throw MarketError(.pluginNotFound, "\(path) is neither a plugin folder nor a plugin installed in \(stateDirectory.path)",
                              fix: "pass the plugin's folder, or install it with `market install \(path)`")
        }
        return hosted.library
    }

    private func open(_ runtime: PluginRuntime) async throws -> PluginInstance {
        let library = try self.library(runtime)
        let config = try instanceConfig(for: library.manifest)
        return try await runtime.instantiate(library, tenantID: tenant, config: config.jsonText, secrets: secretValues)
    }
}

/// Shows events a plugin publishes during a CLI call, on standard error.
struct PrintingEventPublisher: EventPublisher {
    func publish(_ event: EventEnvelope) throws {
        FileHandle.standardError.write(Data("event published: \(event.jsonText)\n".utf8))
    }
}
