import MarketBot
import MarketCore
import PropertyBased
import Testing

/// The model-facing tool names, with shrinking generators: a failure shows the shortest plugin
/// id and tool name that break the mapping.
@Suite struct ToolNamePropertyTests {
    static func text(_ characters: String, length: ClosedRange<Int>) -> Generator<String, Generator<Int, Shrink.Integer<Int>>.ArrayShrink> {
        let characters = Array(characters)
        return Gen.int(in: 0...(characters.count - 1)).array(of: length).map { String($0.map { characters[$0] }) }
    }

    /// A valid plugin id: a letter, then letters, digits and '-' (not last).
    static let plugin = zip(text("abcxyz", length: 1...1), text("ab09-", length: 1...14))
        .map { first, rest in first + (rest.hasSuffix("-") ? String(rest.dropLast()) + "z" : rest) }
    /// A valid tool name, escapes included.
    static let tool = text("ab_.-XZ09", length: 1...30)

    @Test func encodingIsModelSafeAndDecodesBack() async throws {
        await propertyCheck(count: 1_000, input: Self.plugin, Self.tool) { plugin, tool throws in
            let name = ToolName(plugin: plugin, tool: tool)
            let escapes = tool.filter { $0 == "-" || $0 == "." }.count
            let length = plugin.utf8.count + 2 + tool.utf8.count + escapes
            guard length <= ToolName.maximumLength else {
                let error = #expect(throws: MarketError.self) { try name.encoded() }
                #expect(error?.code == .toolNameInvalid)
                return
            }
            let encoded = try name.encoded()
            #expect(encoded.utf8.count == length)
            #expect(ToolName.isModelSafe(encoded), "\(encoded)")
            #expect(try ToolName(decoding: encoded) == name)
        }
    }

    /// Two different tools never share a model-facing name. The second tool is the first with one
    /// character swapped for another that the escapes must keep apart ('-', '.', '_', 'a').
    @Test func theMappingIsInjective() async throws {
        let swaps = Array("-._a")
        await propertyCheck(count: 1_000, input: Self.plugin, Self.tool, Gen.int(in: 0...29), Gen.int(in: 0...(swaps.count - 1))) { plugin, tool, position, swap in
            var characters = Array(tool)
            characters[position % characters.count] = swaps[swap]
            let a = ToolName(plugin: plugin, tool: tool), b = ToolName(plugin: plugin, tool: String(characters))
            guard let encodedA = try? a.encoded(), let encodedB = try? b.encoded() else { return }
            #expect((encodedA == encodedB) == (a == b), "\(a) -> \(encodedA), \(b) -> \(encodedB)")
        }
    }

    /// Whatever a model sends decodes to a tool that encodes back to exactly that name, or is
    /// refused with TOOL_NAME_INVALID.
    @Test func decodingAcceptsOnlyWhatEncodingProduces() async throws {
        await propertyCheck(count: 1_000, input: Self.plugin, Self.text("ab_-01.Z", length: 0...12)) { plugin, tail throws in
            let candidate = plugin + "__" + tail
            let name: ToolName
            do {
                name = try ToolName(decoding: candidate)
            } catch {
                #expect((error as? MarketError)?.code == .toolNameInvalid, "\(candidate): \(error)")
                return
            }
            #expect(try name.encoded() == candidate)
        }
    }
}
