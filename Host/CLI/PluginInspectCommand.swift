import ArgumentParser
import Foundation
import Logging
import MarketCore
import PluginRuntime

/// `market plugin inspect PATH`
///
/// A plugin that cannot start without settings it has no default for (a model provider's
/// `model`) is still inspected: the library is loaded and checked, and the output says which
/// settings its tools wait for instead of failing.
struct PluginInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Load a plugin and print its manifest, descriptor, capabilities, config schema and tools."
    )

    @OptionGroup var instance: InstanceOptions

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let (library, tools, needs) = try await inspect()
            if output.json {
                printJSON(Self.json(library, tools: tools, needs: needs).jsonText)
                return
            }
            let manifest = library.manifest
            // The manifest's text and the plugin's own tool list are the publisher's: printed escaped.
            print(TerminalText.escape("\(manifest.name) (\(manifest.id) \(manifest.version)) by \(manifest.publisher), \(manifest.license)"))
            print("  \(TerminalText.escape(manifest.summary))")
            print("language:     \(manifest.language.rawValue)")
            print("library:      \(library.bundle.libraryURL.path)")
            print("abi:          built for \(library.abiVersion >> 16).\(library.abiVersion & 0xFFFF), accepts \(manifest.abi); host speaks \(PluginRuntime.abiVersion)")
            if let toolchain = library.toolchain { print("toolchain:    \(toolchain)") }
            print("concurrency:  \(library.isConcurrent ? "concurrent" : "serial")")
            print("capabilities: \(library.capabilities.joined(separator: ", "))")
            let permissions = manifest.permissions
            print("permissions:  network [\(permissions.network.joined(separator: ", "))], secrets [\(permissions.secrets.joined(separator: ", "))], " +
                  "subscribe [\(permissions.events.subscribe.joined(separator: ", "))], emit [\(permissions.events.emit.joined(separator: ", "))], " +
                  "ingress \(permissions.ingress ? "yes" : "no")")
            print("config:")
            let settings = ConfigFieldSummary.fields(of: manifest.config)
            for field in settings { print("  \(TerminalText.escape(field.line))") }
            if settings.isEmpty { print("  (no settings)") }
            print("tools:")
            guard let tools else {
                print("  (not listed: the plugin needs settings to start: \(needs.map(\.description).joined(separator: "; ")); " +
                      "pass them with --config '{…}' or --secret NAME=VALUE)")
                return
            }
            for tool in tools {
                print("  \(TerminalText.escape(tool.name)) — \(TerminalText.escape(tool.description))")
                print("    input: \(TerminalText.escape(tool.inputSchema.jsonText))")
            }
            if tools.isEmpty { print("  (none)") }
        }
    }

    /// The library and its tools; when the config lacks settings that have no default, the
    /// library alone, no tools, and what is missing.
    private func inspect() async throws -> (PluginLibrary, [ToolDescription]?, [SchemaViolation]) {
        do {
            let (library, tools) = try await instance.withInstance { plugin in
                (plugin.library, !plugin.offersTools ? [] : try await plugin.listTools(timeout: instance.callTimeout))
            }
            return (library, tools, [])
        } catch let error as MarketError where error.code == .configInvalid && !error.violations.isEmpty && error.violations.allSatisfy(\.isMissing) {
            let runtime = PluginRuntime(services: HostServices(logger: Logger(label: "market.plugin")))
            let library = try instance.library(runtime)
            await runtime.shutdown()
            return (library, nil, error.violations)
        }
    }

    static func json(_ library: PluginLibrary, tools: [ToolDescription]?, needs: [SchemaViolation]) -> JSONValue {
        let manifest = library.manifest
        var object: [String: JSONValue] = [
            "manifest": .object([
                "id": .string(manifest.id), "version": .string(manifest.version), "name": .string(manifest.name),
                "summary": .string(manifest.summary), "publisher": .string(manifest.publisher), "license": .string(manifest.license),
                "language": .string(manifest.language.rawValue), "kinds": .array(manifest.kinds.map { .string($0.rawValue) }),
                "abi": .string(manifest.abi), "library": .string(manifest.library),
            ]),
            "descriptor": .object([
                "abi_version": .string("\(library.abiVersion >> 16).\(library.abiVersion & 0xFFFF)"),
                "toolchain": library.toolchain.map(JSONValue.string) ?? .null,
                "concurrency": .string(library.isConcurrent ? "concurrent" : "serial"),
            ]),
            "capabilities": .array(library.capabilities.map(JSONValue.string)),
            "config_schema": manifest.config ?? .null,
            "tools": tools.map { .array($0.map { .object(["name": .string($0.name), "description": .string($0.description), "input_schema": $0.inputSchema]) }) } ?? .null,
        ]
        if !needs.isEmpty { object["needs"] = .array(needs.map { .string($0.description) }) }
        return .object(object)
    }
}
