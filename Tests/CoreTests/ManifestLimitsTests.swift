import Foundation
import MarketCore
import Testing

/// Every published manifest's text travels in catalogues and probes: each field has a cap.
@Suite struct ManifestLimitsTests {
    static func long(_ count: Int) -> String { "\"" + String(repeating: "x", count: count) + "\"" }

    static let faults: [Fault] = [
        Fault("name", "over the cap of 100", Edit("name", long(101))),
        Fault("summary", "over the cap of 300", Edit("summary", long(301))),
        Fault("publisher", "over the cap of 100", Edit("publisher", long(101))),
        Fault("license", "over the cap of 100", Edit("license", long(101))),
        Fault("tools[0].description", "over the cap of 1000", Edit("tools", "[{\"name\": \"a\", \"description\": \(long(1_001))}]")),
        Fault("permissions.secrets", "over the cap of 64", Edit("permissions.secrets", "[" + (0..<65).map { "\"s\($0)\"" }.joined(separator: ",") + "]")),
    ]

    @Test(arguments: faults) func aFieldOverItsCapIsRefused(_ fault: Fault) throws {
        try ManifestTests().expectRefused(fault)
    }

    @Test func fieldsAtTheirCapsAreAccepted() throws {
        let data = try SampleManifest.data(with: [Edit("name", Self.long(100)), Edit("summary", Self.long(300))])
        #expect(try PluginManifest.parse(data).summary.count == 300)
    }

    @Test func aManifestFileOverItsCapIsRefusedBeforeDecoding() throws {
        let data = try SampleManifest.data(with: [Edit("summary", Self.long(10 << 20))])
        let error = try #require(throws: MarketError.self) { try PluginManifest.parse(data) }
        #expect(error.code == .manifestInvalid)
        #expect(error.message.contains("over the cap of \(PluginManifest.Limits.fileBytes)"))
    }
}

@Suite struct TerminalTextTests {
    @Test func controlAndReorderingCharactersAreEscaped() {
        #expect(TerminalText.escape("red\u{1B}[31m") == "red\\u{1B}[31m")
        #expect(TerminalText.escape("abc\u{202E}fed") == "abc\\u{202E}fed")
        #expect(TerminalText.escape("a\u{2066}b\u{9B}c\u{7F}") == "a\\u{2066}b\\u{9B}c\\u{7F}")
        #expect(TerminalText.escape("line\nnext") == "line\\u{A}next")
        #expect(TerminalText.escape("line\nnext\ttab", multiline: true) == "line\nnext\ttab")
    }

    @Test func plainTextIsUnchanged() {
        for text in ["notes 1.0.0", "Заметки — «кавычки»", "emoji 🎉", ""] {
            #expect(TerminalText.escape(text) == text)
        }
    }
}
