import Foundation
import MarketCore
import MarketTestSupport
import PluginRuntime
import Testing

/// The `mcp` bridge against a real MCP server built with the official Python SDK, run over
/// stdio through `market.process/1`.
@Suite struct MCPBridgeTests {
    static let server = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mcp-server/server.py")

    struct Bridge {
        let runtime: PluginRuntime
        let instance: PluginInstance

        func call(_ tool: String, _ arguments: String = "{}", timeout: Duration? = nil) async throws -> JSONValue {
            try JSONValue(parsing: try await instance.callTool(tool, arguments: arguments, timeout: timeout))
        }

        func close() async {
            await instance.close()
            await runtime.shutdown()
        }
    }

    func bridge(command: String = "python3", timeout: Double = 10) async throws -> Bridge {
        let runtime = makeRuntime()
        let config = #"{"servers":[{"name":"t","command":"\#(command)","args":["-u","\#(Self.server.path)"],"timeout_seconds":\#(timeout)}]}"#
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin("mcp")), tenantID: "t1", config: config)
        return Bridge(runtime: runtime, instance: instance)
    }

    @Test func theServersToolsBecomeTheTenantsTools() async throws {
        let bridge = try await bridge()
        let tools = try await bridge.instance.listTools()
        #expect(Set(tools.map(\.name)) == ["t.add", "t.echo", "t.fail", "t.crash", "t.slow", "t.grow"])
        let add = try #require(tools.first { $0.name == "t.add" })
        #expect(add.description == "Add two integers.")
        #expect(add.inputSchema["required"] == .array([.string("a"), .string("b")]))
        await bridge.close()
    }

    @Test func aCallReturnsContentAndStructuredContent() async throws {
        let bridge = try await bridge()
        let result = try await bridge.call("t.add", #"{"a":2,"b":40}"#)
        #expect(result["structuredContent"] == .object(["result": .number(42)]))
        #expect(result["content"] == .array([.object(["type": .string("text"), "text": .string("42")])]))
        #expect(try await bridge.call("t.echo", #"{"text":"héllo"}"#)["structuredContent"] == .object(["result": .string("héllo")]))
        await bridge.close()
    }

    @Test func aToolErrorFailsTheCallWithItsText() async throws {
        let bridge = try await bridge()
        let error = await expectError(.pluginFailed) { try await bridge.call("t.fail", #"{"reason":"no"}"#) }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "UPSTREAM")
        #expect(error?.message.contains("Error executing tool fail") == true)
        let unknown = await expectError(.pluginFailed) { try await bridge.call("other.add") }
        #expect((unknown?.underlying as? PluginCallFailure)?.statusName == "NOT_FOUND")
        await bridge.close()
    }

    @Test func aListChangedNotificationIsHonoured() async throws {
        let bridge = try await bridge()
        #expect(try await !bridge.instance.listTools().map(\.name).contains("t.late"))
        _ = try await bridge.call("t.grow")
        #expect(try await bridge.instance.listTools().map(\.name).contains("t.late"))
        #expect(try await bridge.call("t.late", #"{"word":"up"}"#)["structuredContent"] == .object(["result": .string("UP")]))
        await bridge.close()
    }

    @Test func aServerThatDiesMidCallIsStartedAgain() async throws {
        let bridge = try await bridge()
        let error = await expectError(.pluginFailed) { try await bridge.call("t.crash") }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "UNAVAILABLE")
        #expect(error?.message.contains("stopped during the call") == true)
        #expect(try await bridge.call("t.add", #"{"a":1,"b":1}"#)["structuredContent"] == .object(["result": .number(2)]))
        await bridge.close()
    }

    @Test func aSlowCallTimesOutAndTheServerRecovers() async throws {
        let bridge = try await bridge(timeout: 1)
        // The server's own limit (1 s) passes long before the call's (30 s).
        let error = await expectError(.timeout) { try await bridge.call("t.slow", #"{"seconds":5}"#) }
        #expect((error?.underlying as? PluginCallFailure)?.message.contains("did not answer tools/call in time") == true)
        #expect(try await bridge.call("t.add", #"{"a":3,"b":4}"#)["structuredContent"] == .object(["result": .number(7)]))
        await bridge.close()
    }

    @Test func aCommandTheManifestDoesNotListIsRefused() async throws {
        let bridge = try await bridge(command: "sh")
        let error = await expectError(.pluginFailed) { try await bridge.instance.listTools() }
        #expect(error?.message.contains("PERMISSION_DENIED") == true || error?.message.contains("did not start") == true, "\(String(describing: error))")
        await bridge.close()
    }
}
