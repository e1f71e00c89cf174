import Synchronization

/// The updates this replica stored and has not claimed yet, and the chats it is answering.
///
/// An update offered while its chat is being answered here cannot be claimed yet (its
/// predecessor is still pending); it is held for that chat, and claimed by key the moment the
/// predecessor is done. Finishing an update also claims its chat's next one in the same
/// statement, but that sees only updates committed before it: one stored a moment later, while
/// the finish commits, would otherwise wait for the next sweep of the inbox.
final class OfferedUpdates: Sendable {
    /// A chat of a bot.
    struct Chat: Hashable {
        let bot: String
        let chat: Int64
    }

    private struct State {
        /// Offered, not claimed yet, oldest first.
        var keys: [TelegramInbox.Key] = []
        var sweep = false
        /// Chats being answered here, with the updates offered for each meanwhile.
        var busy: [Chat: [TelegramInbox.Key]] = [:]
    }

    /// Offered updates kept at most; beyond, the sweep finds them.
    let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    func offer(_ key: TelegramInbox.Key) {
        state.withLock { state in
            if state.keys.count < limit { state.keys.append(key) } else { state.sweep = true }
        }
    }

    func requestSweep() {
        state.withLock { $0.sweep = true }
    }

    /// Whether to sweep (when `due`, or asked for), or else up to `limit` offered updates to
    /// claim by key; those of chats being answered are held for their chat instead.
    func take(upTo limit: Int, due: Bool) -> (sweep: Bool, keys: [TelegramInbox.Key]) {
        state.withLock { state in
            defer { state.sweep = false }
            if state.sweep || due { return (true, []) }
            var keys: [TelegramInbox.Key] = []
            var taken = 0
            for key in state.keys {
                guard keys.count < limit else { break }
                taken += 1
                let chat = Chat(bot: key.bot, chat: key.chat)
                if state.busy[chat] != nil {
                    if state.busy[chat, default: []].count < self.limit { state.busy[chat, default: []].append(key) }
                } else {
                    keys.append(key)
                }
            }
            state.keys.removeFirst(taken)
            return (false, keys)
        }
    }

    /// Forgets offered updates a sweep claimed.
    func remove(_ taken: Set<TelegramInbox.Key>) {
        guard !taken.isEmpty else { return }
        state.withLock { $0.keys.removeAll { taken.contains($0) } }
    }

    var isEmpty: Bool { state.withLock { $0.keys.isEmpty } }

    /// Marks the chat of a claimed update as being answered here.
    func answering(_ item: TelegramInbox.Item) {
        state.withLock { state in
            let chat = Chat(bot: item.botID, chat: item.chatID)
            if state.busy[chat] == nil { state.busy[chat] = [] }
        }
    }

    /// Goes on with `next` in its chat (claimed when its predecessor was done): no longer held.
    func continuing(with next: TelegramInbox.Item) {
        state.withLock { state in
            let chat = Chat(bot: next.botID, chat: next.chatID)
            state.busy[chat]?.removeAll { $0 == next.key }
        }
    }

    /// The updates held for `item`'s chat, to claim now that `item` is finished; when there are
    /// none, the chat is no longer being answered here.
    func held(after item: TelegramInbox.Item) -> [TelegramInbox.Key] {
        state.withLock { state in
            let chat = Chat(bot: item.botID, chat: item.chatID)
            let held = state.busy[chat] ?? []
            state.busy[chat] = held.isEmpty ? nil : []
            return held
        }
    }

    /// The chat of `item` is no longer being answered here (its processor stops).
    func leave(_ item: TelegramInbox.Item) {
        _ = state.withLock { $0.busy.removeValue(forKey: Chat(bot: item.botID, chat: item.chatID)) }
    }
}
