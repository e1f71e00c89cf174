import Synchronization

/// The recent history of active conversations, in memory: for each, the newest whole turns that
/// fit a context budget, and the id of the newest message they include. A reply reads only the
/// messages stored after that id (normally the previous reply's own), so its cost does not grow
/// with the conversation; the whole history is read only on a miss.
///
/// Bounded by size: past `capacity` (characters, as `ChatMessage.size` counts them, plus the
/// bytes of each message's request text and a fixed cost a message), the conversations used
/// longest ago are dropped until a quarter is free.
final class HistoryCache: Sendable {
    /// One conversation's recent history.
    struct Entry: Sendable {
        /// Whole turns, oldest first, trimmed to `budget`.
        let messages: [ChatMessage]
        /// The newest message included: every message after it is read from the store.
        let lastID: Int64
        /// The context budget (characters) the messages were trimmed to.
        let budget: Int

        /// What the entry costs against the capacity.
        var size: Int { messages.reduce(0) { $0 + $1.size + $1.requestText.utf8.count + HistoryCache.messageOverhead } }
    }

    private struct Slot {
        var entry: Entry
        var size: Int
        var used: UInt64
    }

    private struct State {
        var slots: [String: Slot] = [:]
        var size = 0
        var clock: UInt64 = 0
    }

    /// What a message costs beyond its characters: the struct and its strings' headers.
    static let messageOverhead = 96
    /// The most the entries may cost, in all.
    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// The cached history of `conversation` of `tenant`, if any.
    func entry(conversation: String, tenant: String) -> Entry? {
        state.withLock { state in
            let key = Self.key(conversation, tenant)
            guard state.slots[key] != nil else { return nil }
            state.clock += 1
            state.slots[key]?.used = state.clock
            return state.slots[key]?.entry
        }
    }

    /// Keeps `entry` for `conversation`, unless the cache holds a newer one (a concurrent reply's).
    func store(_ entry: Entry, conversation: String, tenant: String) {
        let size = entry.size
        guard size <= capacity / 4 else { return }
        state.withLock { state in
            let key = Self.key(conversation, tenant)
            if let kept = state.slots[key] {
                guard entry.lastID >= kept.entry.lastID else { return }
                state.size -= kept.size
            }
            state.clock += 1
            state.slots[key] = Slot(entry: entry, size: size, used: state.clock)
            state.size += size
            if state.size > capacity { Self.evict(&state, downTo: capacity - capacity / 4) }
        }
    }

    /// Conversations cached now, and what they cost.
    var usage: (conversations: Int, size: Int) { state.withLock { ($0.slots.count, $0.size) } }

    /// Drops the entries used longest ago until the rest cost at most `target`.
    private static func evict(_ state: inout State, downTo target: Int) {
        for (key, slot) in state.slots.sorted(by: { $0.value.used < $1.value.used }) {
            guard state.size > target else { break }
            state.slots[key] = nil
            state.size -= slot.size
        }
    }

    private static func key(_ conversation: String, _ tenant: String) -> String { tenant + "\u{1F}" + conversation }
}
