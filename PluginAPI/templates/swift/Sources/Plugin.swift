import PluginKit

/// __PLUGIN_NAME__: a Market plugin in Swift. Add a tool by adding a `Tool` to `tools`.
final class __TYPE_NAME__: ToolPlugin, EventPlugin {
    static let id = "__PLUGIN_ID__"
    static let version = "0.1.0"

    private let host: PluginHost

    init(host: PluginHost, config: PluginConfig) throws {
        self.host = host
    }

    struct HelloInput: Decodable { let name: String }
    struct HelloOutput: Encodable { let greeting: String }

    var tools: [Tool] {
        [
            Tool("hello", description: "Greet someone by name.",
                 inputSchema: #"{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"#) {
                (input: HelloInput, _) in HelloOutput(greeting: "Hello, \(input.name)!")
            },
        ]
    }

    func handle(event: Event, context: CallContext) throws -> EventOutcome {
        host.log(.info, "event received", fields: ["type": event.type])
        return .acknowledged
    }
}

// The library's only exported symbol.
@_cdecl("mk_plugin_entry_v1")
public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(__TYPE_NAME__.self, hostABI: abi) }
