import Foundation
import MarketCore
import Testing

/// The manifest rules of delivery targets (kind `targets`, ABI 1.1) and of `event_types`.
@Suite struct TargetManifestTests {
    func parse(_ edits: Edit...) throws -> PluginManifest {
        try PluginManifest.parse(try SampleManifest.data(with: edits))
    }

    func refusal(_ edits: Edit...) throws -> MarketError {
        let data = try SampleManifest.data(with: edits)
        return try #require(throws: MarketError.self) { try PluginManifest.parse(data) }
    }

    @Test func kindTargetsNeedsAnABIRangeWithout1Point0() throws {
        for abi in ["^1.0", ">=1.0", "*", "1.0.0"] {
            let error = try refusal(Edit("kinds", #"["targets"]"#), Edit("abi", "\"\(abi)\""))
            #expect(error.code == .manifestInvalid)
            #expect(error.message.contains("field 'abi'") && error.message.contains("ABI 1.1"), "\(abi): \(error.message)")
            #expect(error.fix.contains("^1.1"))
        }
        #expect(try parse(Edit("kinds", #"["targets"]"#), Edit("abi", #""^1.1""#), Edit("permissions.ingress", "false")).kinds == [.targets])
        #expect(try parse(Edit("kinds", #"["targets", "events"]"#), Edit("abi", #"">=1.1 <2.0""#), Edit("permissions.ingress", "false")).kinds
                == [.targets, .events])
    }

    @Test func eventTypesAreReadWithTheirSchemas() throws {
        let manifest = try parse(Edit("event_types", #"{"lead.synced": {"description": "A lead reached the CRM.", "schema": {"type": "object"}}}"#))
        #expect(manifest.eventTypes["lead.synced"] == .init(description: "A lead reached the CRM.", schema: .object(["type": .string("object")])))
        #expect(try parse().eventTypes.isEmpty)
    }

    @Test func anEventTypeMustBeOneThePluginEmitsAndBeDescribed() throws {
        let undeclared = try refusal(Edit("event_types", #"{"order.paid": {"description": "Paid.", "schema": {"type": "object"}}}"#))
        #expect(undeclared.code == .manifestInvalid && undeclared.message.contains("field 'event_types.order.paid' is not listed in permissions.events.emit"))
        let blank = try refusal(Edit("event_types", #"{"lead.synced": {"description": " ", "schema": {"type": "object"}}}"#))
        #expect(blank.code == .manifestInvalid && blank.message.contains("event_types.lead.synced.description"))
        let notSchema = try refusal(Edit("event_types", #"{"lead.synced": {"description": "Synced.", "schema": "object"}}"#))
        #expect(notSchema.code == .manifestInvalid && notSchema.message.contains("event_types.lead.synced.schema"))
    }

    @Test func aDurationIsReadAsPeopleWriteIt() {
        #expect(Duration(spelled: "90") == .seconds(90))
        #expect(Duration(spelled: "24h") == .seconds(86400))
        #expect(Duration(spelled: "5d") == .seconds(432_000))
        #expect(Duration(spelled: "1.5m") == .seconds(90))
        #expect(Duration(spelled: "-1s") == nil)
        #expect(Duration(spelled: "soon") == nil)
    }
}
