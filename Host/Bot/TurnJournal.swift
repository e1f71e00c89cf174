import MarketCore
import Synchronization

/// What a reply has written but not yet committed: the conversation's new messages and the
/// events of its steps, in order. The engine commits it in one transaction before each model
/// call (the model reads the history) and when the reply is finished, so a slash command costs
/// one commit, and a reply that fails half-way leaves no half of it behind.
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

    init(tenant: String, conversation: String, assignment: Assignment?) {
        self.tenant = tenant
        self.conversation = conversation
        self.assignment = assignment
    }

    func append(_ message: ChatMessage, usage: ConversationStore.Usage = .init()) {
        let row = ConversationStore.MessageRow(tenant: tenant, conversation: conversation, assignment: assignment, message: message, usage: usage)
        pending.withLock { $0.messages.append(row) }
    }

    func publish(_ type: String, data: [String: JSONValue]) {
        let event = EventEnvelope(type: type, tenantID: tenant, conversationID: conversation, experiment: assignment?.json,
                                  data: JSONValue.object(data).jsonText)
        pending.withLock { $0.events.append(event) }
    }

    /// Takes what is pending, leaving the journal empty.
    func take() -> Entry {
        pending.withLock { pending in
            defer { pending = Entry() }
            return pending
        }
    }
}
