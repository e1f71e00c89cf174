import Foundation
import MarketCore
import PluginRuntime
import MarketTestSupport
import Testing

/// The three first-party examples, in C, Rust and Swift, offer tools and receive events.
@Suite struct ExamplePluginTests {
    @Test(arguments: ["textkit", "dice", "notes"])
    func toolsAreListedWithSchemas(id: String) async throws {
        let runtime = makeRuntime()
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin(id)), tenantID: "t1")
        let tools = try await instance.listTools()
        #expect(tools.map(\.name).sorted() == instance.library.manifest.tools.map(\.name).sorted())
        for tool in tools { #expect(tool.inputSchema["type"] == .string("object"), "\(id).\(tool.name)") }
        await instance.close()
        await runtime.shutdown()
    }

    @Test(arguments: ["textkit", "dice", "notes"])
    func eventsAreReceivedAndCounted(id: String) async throws {
        let runtime = makeRuntime()
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin(id)), tenantID: "t1")
        #expect(instance.subscribes(to: "lead.created"))
        for type in ["lead.created", "lead.won"] {
            let outcome = try await instance.deliver(EventEnvelope(type: type, tenantID: "t1", data: #"{"name":"Ada"}"#))
            #expect(outcome == .acknowledged)
        }
        let seen = try JSONValue(parsing: try await instance.callTool("events_seen", arguments: "{}"))
        #expect(seen["events_seen"] == .number(2))
        #expect(seen["last_type"] == .string("lead.won"))
        await instance.close()
        await runtime.shutdown()
    }

    @Test func textkitCountsWords() async throws {
        let runtime = makeRuntime()
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin("textkit")), tenantID: "t1")
        let result = try JSONValue(parsing: try await instance.callTool("word_count", arguments: #"{"text":"one two  three\nfour"}"#))
        #expect(result == .object(["words": .number(4), "lines": .number(2), "characters": .number(19)]))
        // The host refuses what the tool's input_schema does not allow before textkit runs.
        let error = await expectError(.invalidArgument) { try await instance.callTool("word_count", arguments: "{}") }
        #expect(error?.violations.map(\.path) == ["/text"])
        await instance.close()
        await runtime.shutdown()
    }

    @Test func diceRollsAreDeterministicWithASeedAndValidated() async throws {
        let events = InMemoryEventLog()
        let runtime = makeRuntime(events: events)
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin("dice")), tenantID: "t1", config: #"{"max_dice":5}"#)
        let first = try await instance.callTool("roll", arguments: #"{"count":3,"sides":6,"seed":42}"#)
        let second = try await instance.callTool("roll", arguments: #"{"seed":42,"sides":6,"count":3}"#)
        #expect(first == second)
        guard case .array(let rolls)? = try JSONValue(parsing: first)["rolls"] else {
            Issue.record("no rolls in \(first)")
            return
        }
        #expect(rolls.count == 3)
        for roll in rolls {
            // Each roll is written as an integer, and read as one.
            guard case .integer(let value) = roll else {
                Issue.record("a roll that is not an integer: \(roll)")
                continue
            }
            #expect((1...6).contains(value))
        }
        // The schema dice lists follows its config (maximum = max_dice), so the host refuses 6.
        let tooMany = await expectError(.invalidArgument) { try await instance.callTool("roll", arguments: #"{"count":6}"#) }
        #expect(tooMany?.violations == [SchemaViolation(path: "/count", message: "must be <= 5")])
        #expect(events.events.filter { $0.type == "dice.rolled" }.count == 2)
        await instance.close()
        await runtime.shutdown()
    }

    @Test func notesAreKeptPerTenant() async throws {
        let events = InMemoryEventLog()
        let runtime = makeRuntime(events: events)
        let library = try runtime.load(try TestPaths.plugin("notes"))
        let alice = try await runtime.instantiate(library, tenantID: "alice")
        let bob = try await runtime.instantiate(library, tenantID: "bob", config: #"{"max_notes":1}"#)
        _ = try await alice.callTool("note_add", arguments: #"{"text":"buy milk"}"#)
        _ = try await alice.callTool("note_add", arguments: #"{"text":"call Ada"}"#)
        _ = try await bob.callTool("note_add", arguments: #"{"text":"bob's note"}"#)
        #expect(try JSONValue(parsing: try await alice.callTool("note_list", arguments: "{}"))["notes"] == .array([.string("buy milk"), .string("call Ada")]))
        #expect(try JSONValue(parsing: try await bob.callTool("note_list", arguments: "{}"))["notes"] == .array([.string("bob's note")]))
        let full = await expectError(.pluginFailed) { try await bob.callTool("note_add", arguments: #"{"text":"second"}"#) }
        #expect(full?.message.contains("already 1 notes") == true)
        let published = events.events.filter { $0.type == "note.added" }
        #expect(published.map(\.tenantID) == ["alice", "alice", "bob"])
        // The host refuses what the input_schema requires before the plugin runs.
        let missing = await expectError(.invalidArgument) { try await alice.callTool("note_add", arguments: "{}") }
        #expect(missing?.violations.map(\.description) == ["/text: is required"])
        await alice.close()
        await bob.close()
        await runtime.shutdown()
    }
}
