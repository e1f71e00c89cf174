import MarketBot
import MarketCore
import MarketTestSupport
import Testing

@Suite struct ToolNameTests {
    static let idCharacters = Array("abcdefghijklmnopqrstuvwxyz0123456789-")
    static let toolCharacters = Array("abcxyzABCXYZ0189_.-")

    static func randomPlugin(_ random: inout SplitMix64) -> String {
        let length = Int.random(in: 2...12, using: &random)
        var id = String(Array("abcdefghijklmnopqrstuvwxyz").randomElement(using: &random)!)
        while id.count < length { id.append(idCharacters.randomElement(using: &random)!) }
        if id.hasSuffix("-") { id.removeLast(); id += "x" }
        return id
    }

    static func randomTool(_ random: inout SplitMix64) -> String {
        String((0..<Int.random(in: 1...40, using: &random)).map { _ in toolCharacters.randomElement(using: &random)! })
    }

    @Test func encodingThenDecodingGivesTheToolBack() throws {
        var random = SplitMix64(seed: 0x5EED_0001)
        var seen: [String: ToolName] = [:]
        for _ in 0..<5_000 {
            let name = ToolName(plugin: Self.randomPlugin(&random), tool: Self.randomTool(&random))
            let length = name.plugin.count + 2 + name.tool.count + name.tool.filter { $0 == "-" || $0 == "." }.count
            guard let encoded = try? name.encoded() else {
                // Refused only when too long.
                #expect(length > ToolName.maximumLength, "\(name) was refused")
                continue
            }
            #expect(encoded.count == length)
            #expect(ToolName.isModelSafe(encoded), "\(encoded)")
            #expect(try ToolName(decoding: encoded) == name)
            // No two tools share a model-facing name.
            if let other = seen[encoded] { #expect(other == name, "\(other) and \(name) both map to \(encoded)") }
            seen[encoded] = name
        }
        #expect(seen.count > 3_000)
    }

    @Test func decodingThenEncodingGivesTheNameBack() throws {
        var random = SplitMix64(seed: 0x5EED_0002)
        let characters = Array("ab09_-.Z")
        var decoded = 0
        for _ in 0..<20_000 {
            let plugin = Self.randomPlugin(&random)
            let tail = String((0..<Int.random(in: 1...10, using: &random)).map { _ in characters.randomElement(using: &random)! })
            let candidate = plugin + "__" + tail
            guard let name = try? ToolName(decoding: candidate) else { continue }
            decoded += 1
            // Whatever decodes is exactly what encoding that tool gives: the map is a bijection
            // between valid tools and the names it produces.
            #expect(try name.encoded() == candidate)
        }
        #expect(decoded > 1_000)
    }

    @Test func readableForTheCommonCase() throws {
        #expect(try ToolName(plugin: "textkit", tool: "word_count").encoded() == "textkit__word_count")
        #expect(try ToolName(plugin: "my-crm", tool: "contacts.find-one").encoded() == "my-crm__contacts-0find-1one")
        #expect(try ToolName(decoding: "my-crm__contacts-0find-1one") == ToolName(plugin: "my-crm", tool: "contacts.find-one"))
    }

    @Test func refusesWhatCannotMapOrDecode() {
        let long = ToolName(plugin: "a-long-plugin-id", tool: String(repeating: "x", count: 60))
        #expect((#expect(throws: MarketError.self) { try long.encoded() })?.code == .toolNameInvalid)
        for bad in ["textkit", "textkit_word", "Text__x", "textkit__", "textkit__a-2", "textkit__a-", "__tool", "x__" + String(repeating: "y", count: 70)] {
            #expect((#expect(throws: MarketError.self, "\(bad)") { try ToolName(decoding: bad) })?.code == .toolNameInvalid, "\(bad)")
        }
    }
}
