import Foundation
import MarketCore
import Testing

@Suite struct EventEnvelopeTests {
    static let fields: Set = ["id", "type", "timestamp", "tenant_id", "conversation_id", "experiment", "data"]

    static func object(_ text: String) throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        return try #require(parsed as? [String: Any], "not a JSON object: \(text)")
    }

    /// ISO 8601 date and time with a `Z` or numeric offset.
    static var iso8601: Regex<(Substring, Substring?, Substring)> { /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/ }

    static func parseTimestamp(_ text: String) throws -> Date {
        try Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    @Test func jsonTextHasTheEnvelopeFields() throws {
        let timestamp = Date(timeIntervalSince1970: 1_767_225_600.25)
        let envelope = EventEnvelope(id: "evt_0123", type: "lead.created", timestamp: timestamp, tenantID: "acme",
                                     conversationID: "conv_9", experiment: .object(["variant": .string("b"), "id": .number(7)]),
                                     data: #"{"name":"Ada"}"#)
        let json = envelope.jsonText
        #expect(JSONSyntax.isValid(json))
        let object = try Self.object(json)
        #expect(Set(object.keys) == Self.fields)
        #expect(object["id"] as? String == "evt_0123")
        #expect(object["type"] as? String == "lead.created")
        #expect(object["tenant_id"] as? String == "acme")
        #expect(object["conversation_id"] as? String == "conv_9")
        let experiment = try #require(object["experiment"] as? [String: Any])
        #expect(experiment["variant"] as? String == "b")
        #expect((experiment["id"] as? NSNumber)?.intValue == 7)
        let data = try #require(object["data"] as? [String: Any])
        #expect(data["name"] as? String == "Ada")
        let text = try #require(object["timestamp"] as? String)
        #expect(text.wholeMatch(of: Self.iso8601) != nil, "\(text)")
        #expect(abs(try Self.parseTimestamp(text).timeIntervalSince(timestamp)) < 0.001, "\(text)")
    }

    @Test func absentConversationAndExperimentAreNull() throws {
        let envelope = EventEnvelope(type: "message.received", tenantID: "t1", data: "{}")
        let object = try Self.object(envelope.jsonText)
        #expect(Set(object.keys) == Self.fields)
        #expect(object["conversation_id"] is NSNull)
        #expect(object["experiment"] is NSNull)
        #expect(envelope.jsonText.contains(#""conversation_id":null"#))
        #expect(envelope.jsonText.contains(#""experiment":null"#))
    }

    @Test(arguments: [
        "{}", #"{"b":2,"a":1}"#, #"{ "spaced" : [ 1 , 2 ] }"#, #"{"n":1.50,"e":1E+2,"z":-0}"#, #"{"s":"\u00e9\/\n","raw":"é😀"}"#,
        "{\n  \"pretty\": true\n}",
    ])
    func dataIsEmbeddedVerbatim(_ data: String) throws {
        let json = EventEnvelope(type: "a.b", tenantID: "t", data: data).jsonText
        #expect(json.hasSuffix(#","data":"# + data + "}"))
        #expect(JSONSyntax.isValid(json))
        let embedded = try #require(try Self.object(json)["data"] as? NSDictionary)
        #expect(embedded == (try Self.object(data) as NSDictionary))
    }

    @Test(arguments: [#"quote " backslash \ slash /"#, "line\nbreak\ttab\u{01}", "é 😀 中文", "</script>", ""])
    func textFieldsAreEscaped(_ text: String) throws {
        let envelope = EventEnvelope(id: text, type: text, tenantID: text, conversationID: text, data: "{}")
        #expect(JSONSyntax.isValid(envelope.jsonText), "\(envelope.jsonText)")
        let object = try Self.object(envelope.jsonText)
        for field in ["id", "type", "tenant_id", "conversation_id"] { #expect(object[field] as? String == text, "\(field)") }
    }

    @Test(arguments: [0.0, 0.001, 1_767_225_600.0, 1_767_225_600.999, 4_102_444_799.5])
    func timestampIsISO8601InUTC(_ seconds: Double) throws {
        let timestamp = Date(timeIntervalSince1970: seconds)
        let text = try #require(try Self.object(EventEnvelope(type: "a", timestamp: timestamp, tenantID: "t", data: "{}").jsonText)["timestamp"] as? String)
        #expect(text.wholeMatch(of: Self.iso8601) != nil, "\(text)")
        #expect(abs(try Self.parseTimestamp(text).timeIntervalSince(timestamp)) < 0.001, "\(text)")
    }

    @Test func timestampOfTheEpoch() throws {
        let text = try #require(try Self.object(EventEnvelope(type: "a", timestamp: Date(timeIntervalSince1970: 0), tenantID: "t", data: "{}").jsonText)["timestamp"] as? String)
        #expect(text.hasPrefix("1970-01-01T00:00:00"))
    }

    // MARK: - Event ids

    static var idFormat: Regex<Substring> { /^evt_[0-9a-f]{32}$/ }

    @Test func newIDIsEvtAnd32LowerCaseHexDigits() {
        for _ in 0..<1000 {
            let id = EventEnvelope.newID()
            #expect(id.wholeMatch(of: Self.idFormat) != nil, "\(id)")
        }
        #expect(EventEnvelope(type: "a", tenantID: "t", data: "{}").id.wholeMatch(of: Self.idFormat) != nil)
    }

    @Test func newIDsAreUnique() {
        let now = Date()
        let ids = (0..<10_000).map { _ in EventEnvelope.newID(now: now) }
        #expect(Set(ids).count == ids.count)
    }

    @Test func newIDStartsWithTheTimeInMilliseconds() {
        #expect(EventEnvelope.newID(now: Date(timeIntervalSince1970: 1.5)).hasPrefix("evt_0000000005dc"))
        #expect(EventEnvelope.newID(now: Date(timeIntervalSince1970: 1_767_225_600)).hasPrefix("evt_019b76da"))
        #expect(EventEnvelope.newID(now: Date(timeIntervalSince1970: -5)).hasPrefix("evt_000000000000"))
    }

    @Test func idsCreatedAMillisecondApartSortInCreationOrder() {
        let start: UInt64 = 1_767_225_600_123
        let ids = (0..<5000).map { EventEnvelope.newID(now: Date(timeIntervalSince1970: Double(start + UInt64($0)) / 1000)) }
        #expect(ids == ids.sorted())
        #expect(Set(ids).count == ids.count)
        #expect(Set(ids.map { $0.prefix(16) }).count == ids.count, "each id carries its own millisecond")
    }

    /// Dates reached by adding a millisecond at a time carry the rounding error of `Double`;
    /// the time in an id must still advance by one millisecond per millisecond.
    @Test func idsOfDatesSteppedByAMillisecondSortInCreationOrder() {
        let start = Date(timeIntervalSince1970: 1_767_225_600.123)
        let ids = (0..<2000).map { EventEnvelope.newID(now: start.addingTimeInterval(Double($0) / 1000)) }
        #expect(EventEnvelope.newID(now: start.addingTimeInterval(0.004)).hasPrefix("evt_019b76daa87f"))
        #expect(ids == ids.sorted())
    }

    @Test func idsCreatedInSequenceSortInCreationOrder() {
        var ids: [String] = []
        for _ in 0..<20 {
            ids.append(EventEnvelope.newID())
            Thread.sleep(forTimeInterval: 0.002)
        }
        #expect(ids == ids.sorted())
    }
}
