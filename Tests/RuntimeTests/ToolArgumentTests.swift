import Foundation
import MarketCore
import PluginRuntime
import MarketTestSupport
import Testing

/// The host checks tool arguments against the tool's input_schema before the plugin runs, and
/// names each wrong field by its JSON Pointer.
@Suite struct ToolArgumentTests {
    @Test func anUnknownFieldUnderAdditionalPropertiesFalseNeverReachesThePlugin() async throws {
        let events = InMemoryEventLog()
        let runtime = makeRuntime(events: events)
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin("dice")), tenantID: "t1")
        let error = await expectError(.invalidArgument) { try await instance.callTool("roll", arguments: #"{"count":2,"colour":"red"}"#) }
        #expect(error?.violations.map(\.path) == ["/colour"])
        #expect(error?.message.contains("dice.roll") == true && error?.message.contains("/colour: is not a known setting") == true)
        // dice publishes dice.rolled on every roll it makes: it was not called.
        #expect(events.events.filter { $0.type == "dice.rolled" }.isEmpty)
        // Arguments that match still go through, on the same instance.
        _ = try await instance.callTool("roll", arguments: #"{"count":2,"seed":1}"#)
        #expect(events.events.filter { $0.type == "dice.rolled" }.count == 1)
        await instance.close()
        await runtime.shutdown()
    }

    @Test func everyViolationIsListedWithItsPointer() async throws {
        let runtime = makeRuntime()
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin("dice")), tenantID: "t1")
        let error = await expectError(.invalidArgument) { try await instance.callTool("roll", arguments: #"{"count":"two","sides":1}"#) }
        #expect(error?.violations.map(\.description) == ["/count: must be an integer, not a string", "/sides: must be >= 2"])
        await instance.close()
        await runtime.shutdown()
    }

    @Test func aMissingRequiredFieldIsNamed() async throws {
        let runtime = makeRuntime()
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin("textkit")), tenantID: "t1")
        // The first call checks even though nobody listed the tools before it.
        let error = await expectError(.invalidArgument) { try await instance.callTool("word_count", arguments: #"{"txt":"a b"}"#) }
        #expect(error?.violations == [SchemaViolation(path: "/text", message: "is required")])
        #expect(error?.code.rawValue == "INVALID_ARGUMENT")
        await instance.close()
        await runtime.shutdown()
    }

    /// Once the tool list is known, arguments are checked on their bytes; a refusal still names
    /// every field, and what is not a JSON object is refused as before.
    @Test func refusalsAfterTheSchemaIsKnownAreExplainedInFull() async throws {
        let events = InMemoryEventLog()
        let runtime = makeRuntime(events: events)
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin("dice")), tenantID: "t1")
        _ = try await instance.callTool("roll", arguments: #"{"count":1,"seed":3}"#)
        let error = await expectError(.invalidArgument) { try await instance.callTool("roll", arguments: #"{"count":"two","sides":1}"#) }
        #expect(error?.violations.map(\.description) == ["/count: must be an integer, not a string", "/sides: must be >= 2"])
        for text in [#"[1]"#, #"{"count":1,}"#, #"{"count":1} x"#, "  "] {
            let refused = await expectError(.invalidArgument) { try await instance.callTool("roll", arguments: text) }
            #expect(refused?.message.contains("are not a JSON object") == true, "\(text)")
        }
        // Escaped keys are the names they decode to: "se\u0065d" is "seed", which must be an integer.
        let escaped = await expectError(.invalidArgument) { try await instance.callTool("roll", arguments: #"{"se\u0065d":"x"}"#) }
        #expect(escaped?.violations.map(\.path) == ["/seed"])
        #expect(events.events.filter { $0.type == "dice.rolled" }.count == 1)
        await instance.close()
        await runtime.shutdown()
    }
}
