import Foundation
import MarketCore
import MarketRegistry
import Testing

@Suite struct CanonicalJSONTests {
    @Test func keysAreSortedAndThereIsNoWhitespace() throws {
        let value = try JSONValue(parsing: #"{ "b": [1, 2], "a": {"z": true, "y": null}, "B": "x" }"#)
        #expect(String(decoding: try CanonicalJSON.data(value), as: UTF8.self) == #"{"B":"x","a":{"y":null,"z":true},"b":[1,2]}"#)
    }

    @Test func integersStayIntegersAndFractionsAreRefused() throws {
        #expect(String(decoding: try CanonicalJSON.data(.number(10_737_418_240)), as: UTF8.self) == "10737418240")
        #expect(String(decoding: try CanonicalJSON.data(.number(-3)), as: UTF8.self) == "-3")
        let error = #expect(throws: MarketError.self) { try CanonicalJSON.data(.number(1.5)) }
        #expect(error?.code == .registryInvalid)
    }

    @Test func stringsEscapeOnlyQuotesBackslashesAndControls() throws {
        let text = "a\"b\\c/é\n\u{01}"
        #expect(String(decoding: try CanonicalJSON.data(.string(text)), as: UTF8.self) == #""a\"b\\c/é\n\u0001""#)
    }

    @Test func keysSortByTheirUTF8Bytes() throws {
        let value = JSONValue.object(["é": .null, "z": .null, "Z": .null])
        #expect(String(decoding: try CanonicalJSON.data(value), as: UTF8.self) == #"{"Z":null,"z":null,"é":null}"#)
    }
}

@Suite struct SignedEnvelopeTests {
    struct Payload: Codable, Equatable {
        var name: String
        var version: Int
    }

    let first = SigningKey.generate()
    let second = SigningKey.generate()
    var keys: [String: PublicKey] { [first.id: first.publicKey, second.id: second.publicKey] }

    @Test func aSignedEnvelopeVerifiesAfterARoundTripThroughAFile() throws {
        let envelope = try SignedEnvelope(signing: Payload(name: "notes", version: 3), with: [first])
        let parsed = try SignedEnvelope(parsing: try envelope.fileData(), what: "test.json")
        try parsed.verify(role: RoleKeys(keyids: [first.id]), keys: keys, what: "test.json")
        #expect(try parsed.payload(Payload.self, what: "test.json") == Payload(name: "notes", version: 3))
    }

    @Test func reformattingTheFileKeepsTheSignatureValid() throws {
        let envelope = try SignedEnvelope(signing: Payload(name: "notes", version: 3), with: [first])
        let pretty = try JSONSerialization.data(withJSONObject: JSONSerialization.jsonObject(with: envelope.fileData()), options: [.prettyPrinted])
        try SignedEnvelope(parsing: pretty, what: "test.json").verify(role: RoleKeys(keyids: [first.id]), keys: keys, what: "test.json")
    }

    @Test func aChangedPayloadIsSIG_INVALID() throws {
        var envelope = try SignedEnvelope(signing: Payload(name: "notes", version: 3), with: [first])
        envelope.signed = .object(["name": .string("notes"), "version": .number(4)])
        let error = #expect(throws: MarketError.self) { try envelope.verify(role: RoleKeys(keyids: [first.id]), keys: keys, what: "test.json") }
        #expect(error?.code == .signatureInvalid)
    }

    @Test func aSignatureByAKeyOutsideTheRoleIsKEY_UNTRUSTED() throws {
        let envelope = try SignedEnvelope(signing: Payload(name: "notes", version: 3), with: [second])
        let error = #expect(throws: MarketError.self) { try envelope.verify(role: RoleKeys(keyids: [first.id]), keys: keys, what: "test.json") }
        #expect(error?.code == .keyUntrusted)
    }

    @Test func theThresholdCountsDistinctTrustedKeys() throws {
        let role = RoleKeys(keyids: [first.id, second.id], threshold: 2)
        let once = try SignedEnvelope(signing: Payload(name: "n", version: 1), with: [first])
        var twiceBySameKey = once
        twiceBySameKey.signatures += once.signatures
        let refused = #expect(throws: MarketError.self) { try twiceBySameKey.verify(role: role, keys: keys, what: "t") }
        #expect(refused?.code == .keyUntrusted)
        try SignedEnvelope(signing: Payload(name: "n", version: 1), with: [first, second]).verify(role: role, keys: keys, what: "t")
    }
}
