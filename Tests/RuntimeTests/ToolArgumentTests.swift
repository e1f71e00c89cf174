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

    /// Readers disagree on which value of a repeated member counts (the host's parser keeps the
    /// first, Python's and JavaScript's the last), so a repeated name is refused before the
    /// plugin runs: declared or not, at the top level or nested, with values that pass or not.
    @Test func aRepeatedMemberNeverReachesThePlugin() async throws {
        let runtime = makeRuntime()
        let instance = try await runtime.instantiate(try runtime.load(try await buildFixture()), tenantID: "t1")
        // The fixture's count tool declares n (an integer) and filter (an object declaring n).
        let repeated: [(arguments: String, pointer: String)] = [
            (#"{"n": 1, "n": "evil"}"#, "/n"),
            (#"{"n": 1, "n": 2}"#, "/n"),
            (#"{"n": 1, "\u006e": 1}"#, "/n"),
            (#"{"filter": {"n": 1, "n": "evil"}}"#, "/filter/n"),
            (#"{"n": 1, "x": 1, "x": 2}"#, "/x"),
            (#"{"filter": {"deep": [{"y": 1}, {"y": 1, "z": 2, "y": 1}]}}"#, "/filter/deep/1/y"),
        ]
        // The first round runs before the tools are listed (no schema is known, the text alone is
        // refused); the second after, when the byte walk against the schema comes first.
        for round in 1...2 {
            for (arguments, pointer) in repeated {
                let error = await expectError(.invalidArgument) { try await instance.callTool("count", arguments: arguments) }
                #expect(error?.violations == [SchemaViolation(path: pointer, message: "is repeated")], "round \(round): \(arguments)")
                #expect(error?.message == "the arguments for fixture.count repeat the member \(pointer)", "round \(round): \(arguments)")
                #expect(error?.fix == "send each member once")
            }
            if round == 1 { _ = try await instance.listTools() }
        }
        // A tool whose schema leaves every member open refuses them too.
        let open = await expectError(.invalidArgument) { try await instance.callTool("echo", arguments: #"{"a": {"b": 1, "b": 1}}"#) }
        #expect(open?.violations.map(\.path) == ["/a/b"])
        // count counts its calls: none of the refused ones reached it.
        #expect(try await instance.callTool("count", arguments: #"{"n": 1, "filter": {"n": 2}, "x": [{"y": 1}, {"y": 1}]}"#) == #"{"calls":1}"#)
        await instance.close()
        await runtime.shutdown()
    }

    /// Within its maximum at first and far past it later: the dice plugin's reader would take
    /// one or the other, so neither is sent on.
    @Test func aRepeatedDeclaredFieldIsRefusedWithItsPointer() async throws {
        let events = InMemoryEventLog()
        let runtime = makeRuntime(events: events)
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin("dice")), tenantID: "t1")
        for _ in 1...2 {
            let error = await expectError(.invalidArgument) { try await instance.callTool("roll", arguments: #"{"count":1,"seed":1,"count":100000}"#) }
            #expect(error?.violations.map(\.description) == ["/count: is repeated"])
        }
        #expect(events.events.filter { $0.type == "dice.rolled" }.isEmpty)
        await instance.close()
        await runtime.shutdown()
    }
}
