import ArgumentParser
import Foundation
import MarketCore
import PluginRuntime

/// `market plugin inspect PATH`
struct PluginInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Load a plugin and print its manifest, descriptor, capabilities and tools."
    )

    @OptionGroup var instance: InstanceOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let (library, tools) = try await instance.withInstance { plugin in
                (plugin.library, !plugin.offersTools ? [] : try await plugin.listTools(timeout: instance.callTimeout))
            }
            let manifest = library.manifest
            if json {
                printJSON(JSONValue.object([
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
                    "tools": .array(tools.map { .object(["name": .string($0.name), "description": .string($0.description), "input_schema": $0.inputSchema]) }),
                ]).jsonText)
                return
            }
            print("\(manifest.name) (\(manifest.id) \(manifest.version)) by \(manifest.publisher), \(manifest.license)")
            print("  \(manifest.summary)")
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
            print("tools:")
            for tool in tools {
                print("  \(tool.name) — \(tool.description)")
                print("    input: \(tool.inputSchema.jsonText)")
            }
            if tools.isEmpty { print("  (none)") }
        }
    }
}
