import ArgumentParser
import Foundation
import Logging
import MarketCore
import PluginRuntime

/// `market plugin probe PATH`: load a plugin and, unless `--load-only`, create and close an
/// instance. Meant to run in a child process, so that a plugin that crashes while loading takes
/// only the probe down; the installer reads the exit status and the JSON line.
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
            let summary: (PluginLibrary, Int) = try await loadOnly
                ? (PluginRuntime(services: HostServices(logger: .init(label: "market.probe"))).load(URL(fileURLWithPath: instance.path)), 0)
                : instance.withInstance { plugin in (plugin.library, plugin.offersTools ? try await plugin.listTools().count : 0) }
            let (library, tools) = summary
            let elapsed = ContinuousClock.now - started
            print(JSONValue.object([
                "ok": .bool(true), "id": .string(library.id), "version": .string(library.manifest.version),
                "capabilities": .array(library.capabilities.map(JSONValue.string)), "tools": .number(Double(tools)),
                "milliseconds": .number((Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000).rounded()),
            ]).jsonText)
        } catch let error as MarketError {
            print(JSONValue.object(["ok": .bool(false), "code": .string(error.code.rawValue), "message": .string(error.message),
                                    "fix": .string(error.fix)]).jsonText)
            throw ExitCode.failure
        }
    }
}
