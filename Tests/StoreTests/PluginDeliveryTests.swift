import Foundation
import Logging
import MarketCore
import MarketStore
import PluginHosting
import PluginRuntime
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// Real plugins, built from source and loaded with dlopen, publishing and receiving through the bus.
    @Suite struct PluginDeliveryTests {
        static let builtPlugins = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/market-plugins")

        func plugin(_ id: String) throws -> URL {
            let url = Self.builtPlugins.appendingPathComponent(id)
            try #require(FileManager.default.fileExists(atPath: url.appendingPathComponent("plugin.json").path),
                         "\(url.path) is missing: run scripts/build-plugins.sh (the test command does)")
            return url
        }

        @Test func aPluginsEventReachesAnotherPluginThroughTheBus() async throws {
            let fixture = try await BusFixture.make(installations: ["acme/dice", "acme/textkit", "acme/notes"])
            let runtime = PluginRuntime(services: HostServices(logger: quietLogger, events: fixture.bus))
            let dice = try await runtime.instantiate(try runtime.load(try plugin("dice")), tenantID: "acme")
            let textkit = try await runtime.instantiate(try runtime.load(try plugin("textkit")), tenantID: "acme")
            let notes = try await runtime.instantiate(try runtime.load(try plugin("notes")), tenantID: "acme")
            let targets = PluginTargets()
            for instance in [textkit, notes] {
                let subscriber = targets.add(instance)
                // The manifests subscribe to "*"; textkit is narrowed to dice's events.
                try await fixture.bus.subscribeAsDeclared(instance)
                if instance === textkit { try await fixture.bus.replaceSubscriptions(of: subscriber, with: ["dice.*"]) }
            }

            try await whileRunning([fixture.worker(targets)]) {
                // dice publishes dice.rolled from its own thread through market.events/1.
                _ = try await dice.callTool("roll", arguments: #"{"count":2,"sides":6,"seed":7}"#, context: #"{"conversation_id":"c9"}"#)
                try await fixture.bus.publish(EventEnvelope(type: "lead.created", tenantID: "acme", data: #"{"name":"Ada"}"#))
                #expect(await eventually { try await fixture.bus.deliveries(DeliveryFilter(status: .delivered)).count == 3 })
            }
            let rolled = try await fixture.bus.events(after: 0, pattern: EventTypePattern("dice.rolled"))
            #expect(rolled.count == 1)
            #expect(rolled.first?.envelope.conversationID == "c9")
            let textkitSeen = try JSONValue(parsing: try await textkit.callTool("events_seen", arguments: "{}"))
            #expect(textkitSeen["events_seen"] == .number(1))
            #expect(textkitSeen["last_type"] == .string("dice.rolled"))
            let notesSeen = try JSONValue(parsing: try await notes.callTool("events_seen", arguments: "{}"))
            #expect(notesSeen["events_seen"] == .number(2))
            let delivered = try await fixture.bus.deliveries(DeliveryFilter(subscriber: "textkit"))
            #expect(delivered.map(\.eventID) == rolled.map(\.envelope.id))
            for instance in [dice, textkit, notes] { await instance.close() }
            await runtime.shutdown()
            await fixture.shutdown()
        }
    }
}
