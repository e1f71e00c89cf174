import ArgumentParser
import Foundation
import Logging
import MarketCore
import PluginRuntime

/// `market plugin probe PATH`: load a plugin and, unless `--load-only`, create and close an
/// instance. Meant to run in a child process, so that a plugin that crashes while loading takes
/// only the probe down; the installer reads the exit status and the JSON line.
///
/// Without `--config`, the instance gets the manifest's defaults. A plugin whose config schema
/// requires settings that have no default (a model provider's `model`) cannot start before a
/// tenant configures it: then the probe loads and checks the library only, and the JSON line
/// says `"started": false` and which settings are needed.
struct PluginProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Load a plugin in this process and report whether it works, as one JSON line.",
        discussion: "Exit status 0: it loaded (and started). 1: a named error, printed. A crash shows as the signal that ended the process."
    )

    @OptionGroup var instance: InstanceOptions

    @Flag(help: "Only load and check the library; do not create an instance.")
    var loadOnly = false

    func run() async throws {
        let started = ContinuousClock.now
        do {
            var report: [String: JSONValue] = ["ok": .bool(true)]
            let library: PluginLibrary
            let needed = loadOnly ? [] : try settingsNeeded()
            if loadOnly || !needed.isEmpty {
                library = try instance.library(PluginRuntime(services: HostServices(logger: .init(label: "market.probe"))))
                report["started"] = .bool(false)
                report["tools"] = .number(0)
                if !needed.isEmpty { report["needs"] = .array(needed.map { .string($0.description) }) }
            } else {
                var options = instance
                options.config = try configWithDefaults().jsonText
                let (loaded, tools) = try await options.withInstance { plugin in
                    (plugin.library, plugin.offersTools ? try await plugin.listTools().count : 0)
                }
                library = loaded
                report["started"] = .bool(true)
                report["tools"] = .integer(Int64(tools))
            }
            let elapsed = ContinuousClock.now - started
            report["id"] = .string(library.id)
            report["version"] = .string(library.manifest.version)
            report["capabilities"] = .array(library.capabilities.map(JSONValue.string))
            report["milliseconds"] = .number((Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000).rounded())
            print(JSONValue.object(report).jsonText)
        } catch let error as MarketError {
            print(JSONValue.object(["ok": .bool(false), "code": .string(error.code.rawValue), "message": .string(error.message),
                                    "fix": .string(error.fix)]).jsonText)
            throw ExitCode.failure
        }
    }

    /// The manifest's config schema, when it has one.
    private func schema() throws -> ConfigSchema? {
        let manifest = try PluginManifest.load(from: URL(fileURLWithPath: instance.path))
        return try manifest.config.map { try ConfigSchema($0, source: "plugin \(manifest.id)") }
    }

    /// The given config with the schema's defaults filled in.
    private func configWithDefaults() throws -> JSONValue {
        let given = try JSONValue(parsing: instance.config)
        return try schema()?.applyingDefaults(to: given) ?? given
    }

    /// What the given config (with defaults, and the secrets given) lacks to start the plugin;
    /// empty when it can start. Only missing settings count: a wrong value is the caller's
    /// mistake and fails the probe when the instance is created.
    private func settingsNeeded() throws -> [SchemaViolation] {
        guard let schema = try schema() else { return [] }
        let filled = try configWithDefaults()
        let present = Set(instance.secretValues.keys)
        return schema.violations(of: filled, assumingPresent: present).filter { $0.isMissing && $0.path.split(separator: "/").count == 1 }
    }
}
