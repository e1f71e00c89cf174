import CRMKit
import Foundation
@testable import PluginKit
import Testing

/// PluginKit's hand reading and writing (`JSONView`, `JSONWritable`), and CRMKit's
/// find_contact types that use it: they must mean what the Codable path means.
@Suite struct JSONViewTests {
    @Test func membersElementsAndScalarsReadInPlace() throws {
        let view = try JSONView(parsing: Array(#"{"a": {"b": [1, 2.0, 2.5, "x\u00e9\n", true, null]}, "a": 9, "n": -12}"#.utf8))
        #expect(view.isObject && view.keys == ["a", "a", "n"])
        let list = try #require(view["a"]?["b"])
        #expect(list.isArray && list.elements.count == 6)
        let items = list.elements
        #expect(items[0].int == 1 && items[1].int == 2 && items[2].int == nil && items[2].double == 2.5)
        #expect(items[3].string == "xé\n" && items[3].int == nil)
        #expect(items[4].bool == true && items[5].isNull && items[5].string == nil)
        #expect(view["n"]?.int64 == -12, "the first of two equal keys counts, the rest are still read")
        #expect(view["missing"] == nil && items[0]["a"] == nil && view.elements.isEmpty && items[0].keys.isEmpty)
        #expect(throws: DecodingError.self) { try JSONView(parsing: Array(#"{"a": }"#.utf8)) }
    }

    @Test func optionalMembersAreNilWhenAbsentOrNullAndAWrongTypeThrowsAsCodableDoes() throws {
        let view = try JSONView(parsing: Array(#"{"phone": "1", "limit": null, "email": 5}"#.utf8))
        #expect(try view.optionalString("phone") == "1")
        #expect(try view.optionalInt("limit") == nil && view.optionalString("query") == nil)
        let error = #expect(throws: DecodingError.self) { try view.optionalString("email") }
        #expect(error.map(Tool.explain) == "'email' has the wrong type")
    }

    @Test(arguments: [#"{"phone":"8 916 123 45 67"}"#, #"{"email":"a@b.c","limit":3}"#, #"{"query":"Ada","phone":null,"limit":2.0}"#, #"{}"#])
    func findContactInputReadByHandAsCodableReadsIt(_ text: String) throws {
        let byHand = try FindContactInput(view: JSONView(parsing: Array(text.utf8)))
        let decoded = try PluginJSON.decode(FindContactInput.self, from: Array(text.utf8))
        #expect(byHand.phone == decoded.phone && byHand.email == decoded.email && byHand.query == decoded.query && byHand.limit == decoded.limit)
    }

    @Test(arguments: [#"{"limit":"3"}"#, #"{"phone":7}"#, #"{"limit":2.5}"#, #"[]"#])
    func findContactInputRefusesWhatCodableRefuses(_ text: String) throws {
        #expect(throws: DecodingError.self) { try PluginJSON.decode(FindContactInput.self, from: Array(text.utf8)) }
        #expect(throws: DecodingError.self) { try FindContactInput(view: JSONView(parsing: Array(text.utf8))) }
    }

    @Test func contactsWrittenByHandAreWhatTheEncoderWrites() throws {
        let contacts = [
            Contact(id: "1", name: "Ada \"the\" Countess\\\n\u{1}", phones: ["79161234567", "12345"], emails: ["ada@example.com"], company_id: "7",
                    company: "Анализ", created_at: "2026-12-08T00:00:00Z", updated_at: "2026-12-08T00:00:01Z"),
            Contact(id: "2", name: "", phones: [], emails: [], company_id: nil, company: nil, created_at: "1970-01-01T00:00:00Z",
                    updated_at: "1970-01-01T00:00:00Z"),
        ]
        for output in [ContactsOutput(contacts: contacts), ContactsOutput(contacts: [])] {
            var byHand: [UInt8] = []
            output.writeJSON(to: &byHand)
            #expect(String(decoding: byHand, as: UTF8.self) == String(decoding: try PluginJSON.encode(output), as: UTF8.self))
        }
    }
}
