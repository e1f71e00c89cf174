import Foundation
@testable import PluginKit
import Testing

/// PluginKit reads `deliver`'s target object in place: the settings and secrets reach the
/// plugin as the bytes the host wrote, and a malformed object is refused with its code.
@Suite struct TargetDeliveryReadingTests {
    static func read(_ text: String) throws -> TargetDelivery { try TargetDelivery(json: Array(text.utf8)) }

    @Test func settingsAndSecretsAreTheHostsBytesAndTheyDecode() throws {
        struct Settings: Decodable, Equatable { let url: String; let headers: [String: String] }
        let settings = #"{"url":"http://127.0.0.1:9/h\u00e9","headers":{"x-a":"b, \"c\""}}"#
        let secrets = #"{"keys":[{"key":"whsec_AAAA","until":null}]}"#
        let target = try Self.read(#" { "id" : "tgt_0123", "settings" : \#(settings), "secrets":\#(secrets), "attempt": 3 } "#)
        #expect(target.id == "tgt_0123")
        #expect(target.attempt == 3)
        #expect(target.settings == Array(settings.utf8))
        #expect(target.secrets == Array(secrets.utf8))
        #expect(try target.settings(as: Settings.self) == Settings(url: "http://127.0.0.1:9/hé", headers: ["x-a": #"b, "c""#]))
    }

    @Test func whatIsMissingHasItsDefaultAndUnknownMembersArePassedOver() throws {
        let target = try Self.read(#"{"extra":[1,{"settings":{"no":1}}],"id":"tgt_\u0031","secrets":null}"#)
        #expect(target.id == "tgt_1")
        #expect(target.attempt == 1)
        #expect(target.settings == Array("{}".utf8))
        #expect(target.secrets == Array("{}".utf8))
    }

    @Test func aMalformedTargetIsRefusedAsAnInvalidArgument() {
        for broken in ["", "[]", "{", #"{"settings":{}}"#, #"{"id":1}"#, #"{"id":"t","settings":{"a":}}"#, #"{"id":"t"} x"#, #"{"id":"t",}"#] {
            #expect("\(broken)", performing: { try Self.read(broken) }, throws: { ($0 as? PluginError)?.status == .invalidArgument })
        }
    }
}
