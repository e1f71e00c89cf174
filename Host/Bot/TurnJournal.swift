import MarketCore
import Synchronization

/// What a reply has written but not yet committed: the conversation's new messages and the
/// events of its steps, in order. The engine commits it in one transaction when the reply is
/// finished, and before each model call after a tool ran (its results and events are durable
/// before the next, possibly long, call): a slash command or a plain answer costs one commit,
/// and a reply that fails half-way leaves no half of its step behind.
final class TurnJournal: Sendable {
    /// What the journal holds.
    struct Entry: Sendable {
        var messages: [ConversationStore.MessageRow] = []
        var events: [EventEnvelope] = []
    }

    let tenant: String
    let conversation: String
    let assignment: Assignment?
    private let pending = Mutex(Entry())
    /// Every message of the reply so far, committed or not: the model's history ends with them.
    private let written = Mutex<[ChatMessage]>([])
    /// Whether a model call or a tool call of the reply failed; never reset, unlike `pending`.
    private let fallback = Mutex(false)

    init(tenant: String, conversation: String, assignment: Assignment?) {
        self.tenant = tenant
        self.conversation = conversation
        self.assignment = assignment
    }

    func append(_ message: ChatMessage, usage: ConversationStore.Usage = .init()) {
        let row = ConversationStore.MessageRow(tenant: tenant, conversation: conversation, assignment: assignment, message: message, usage: usage)
        pending.withLock { $0.messages.append(row) }
        written.withLock { $0.append(message) }
    }

    /// The reply's messages so far, oldest first.
    var messages: [ChatMessage] { written.withLock { $0 } }

    func publish(_ type: String, data: [String: JSONValue]) {
        let event = EventEnvelope(type: type, tenantID: tenant, conversationID: conversation, experiment: assignment?.json,
                                  data: JSONValue.object(data).jsonText)
        pending.withLock { $0.events.append(event) }
    }

    func markFallback() { fallback.withLock { $0 = true } }

    var isFallback: Bool { fallback.withLock { $0 } }

    /// Takes what is pending, leaving the journal empty.
    func take() -> Entry {
        pending.withLock { pending in
            defer { pending = Entry() }
            return pending
        }
    }
}
