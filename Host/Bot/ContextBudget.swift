/// Cuts a conversation's history to what fits the model's context.
///
/// The budget is in characters (about four per token for English text). The system prompt is
/// always kept. The history is split into turns, each starting at a user message and holding
/// the assistant's replies, its tool calls and their results; whole turns are dropped, oldest
/// first, until the rest fits. A tool call is thus never separated from its result. The newest
/// turn is always kept, even when it alone exceeds the budget.
public struct ContextBudget: Sendable, Equatable {
    public let characters: Int

    public init(characters: Int) {
        self.characters = characters
    }

    /// Tokens are estimated as characters / 4.
    public var estimatedTokens: Int { characters / 4 }

    /// `history` (oldest first, no system message) trimmed to fit beside `system`.
    public func trim(_ history: [ChatMessage], system: String) -> [ChatMessage] {
        var turns: [[ChatMessage]] = []
        for message in history {
            if message.role == .user || turns.isEmpty {
                turns.append([message])
            } else {
                turns[turns.count - 1].append(message)
            }
        }
        // A history that starts mid-turn (an orphaned tool result) is never sent.
        if let first = turns.first?.first, first.role == .tool { turns.removeFirst() }
        var used = system.count
        var kept: [[ChatMessage]] = []
        for turn in turns.reversed() {
            let size = turn.reduce(0) { $0 + $1.size }
            if !kept.isEmpty && used + size > characters { break }
            used += size
            kept.append(turn)
        }
        return kept.reversed().flatMap { $0 }
    }
}
