import MarketBot
import Testing

@Suite struct ContextBudgetTests {
    static func turn(_ index: Int, withTool: Bool = false) -> [ChatMessage] {
        var messages = [ChatMessage(role: .user, content: "question \(index) " + String(repeating: "q", count: 80))]
        if withTool {
            messages.append(ChatMessage(role: .assistant, content: "", toolCalls: [ToolCall(id: "c\(index)", name: "textkit__word_count", arguments: "{}")]))
            messages.append(ChatMessage(role: .tool, content: "{\"words\":1}", toolCallID: "c\(index)"))
        }
        messages.append(ChatMessage(role: .assistant, content: "answer \(index) " + String(repeating: "a", count: 80)))
        return messages
    }

    @Test func dropsTheOldestWholeTurnsAndKeepsToolPairs() {
        let history = (0..<10).flatMap { Self.turn($0, withTool: $0 % 2 == 0) }
        let trimmed = ContextBudget(characters: 700).trim(history, system: String(repeating: "s", count: 100))
        #expect(trimmed.count < history.count)
        #expect(trimmed.first?.role == .user)
        // The newest turns are what is kept, in order.
        #expect(trimmed.last == history.last)
        #expect(Array(history.suffix(trimmed.count)) == trimmed)
        // Every tool result follows the call that asked for it.
        for (index, message) in trimmed.enumerated() where message.role == .tool {
            #expect(trimmed[..<index].contains { $0.toolCalls.contains { $0.id == message.toolCallID } })
        }
        let size = trimmed.reduce(100) { $0 + $1.content.count }
        #expect(size <= 700)
    }

    @Test func keepsEverythingWithinBudgetAndAlwaysTheNewestTurn() {
        let history = (0..<3).flatMap { Self.turn($0) }
        #expect(ContextBudget(characters: 100_000).trim(history, system: "") == history)
        let newest = ContextBudget(characters: 10).trim(history, system: "")
        #expect(newest == Array(history.suffix(2)))
        #expect(ContextBudget(characters: 4_000).estimatedTokens == 1_000)
    }
}
