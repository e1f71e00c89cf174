import Foundation
@testable import PluginKit
import Testing

/// PluginKit's side of market.event-batches/1 that the host cannot reach with well-formed
/// envelopes: splitting the array in place, and a malformed envelope among good ones.
@Suite struct EventBatchSplitTests {
    final class Recorder: EventBatchPlugin {
        static let id = "recorder"
        static let version = "1.0.0"
        private(set) var seen: [String] = []

        init() {}
        init(host: PluginHost, config: PluginConfig) throws {}

        func handle(events: [Event], context: CallContext) throws -> [EventBatchOutcome] {
            seen += events.map(\.id)
            return events.map { _ in .acknowledged }
        }
    }

    static func envelope(_ id: String) -> String {
        #"{"id":"\#(id)","type":"lead.created","timestamp":"2026-01-01T00:00:00.000Z","tenant_id":"t1","conversation_id":null,"experiment":null,"data":{"a":[1,{"b":"]"}]}}"#
    }

    static func split(_ text: String) throws -> [[UInt8]] {
        try Array(text.utf8).withUnsafeBytes { try EventBatch.envelopes($0) }
    }

    @Test func theArrayIsSplitIntoItsEnvelopesAsTheyAre() throws {
        let elements = [Self.envelope("e1"), Self.envelope("e2")]
        #expect(try Self.split(" [ " + elements.joined(separator: " ,\n") + " ] ") == elements.map { Array($0.utf8) })
        #expect(try Self.split("[]").isEmpty)
        for broken in ["{}", "[", "[1,]", #"[{"id":}]"#, "[1] 2", "[] x"] {
            #expect(throws: PluginError.self, "\(broken)") { try Self.split(broken) }
        }
    }

    @Test func aMalformedEnvelopeIsRejectedAloneAndTheOthersReachThePlugin() throws {
        let plugin = Recorder()
        let envelopes = try Self.split("[" + [Self.envelope("e1"), #"{"id":2,"type":"x"}"#, Self.envelope("e3")].joined(separator: ",") + "]")
        let outcomes = try EventBatch.handle(plugin, envelopes: envelopes, context: CallContext(nil))
        #expect(plugin.seen == ["e1", "e3"])
        #expect(outcomes[0] == .acknowledged && outcomes[2] == .acknowledged)
        guard case .rejected(let why) = outcomes[1] else {
            Issue.record("the malformed envelope was not rejected: \(outcomes)")
            return
        }
        #expect(why.contains("malformed"))
    }
}
