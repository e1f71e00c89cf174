import CoreMetrics
import Foundation
import Logging
import MarketCore
import MarketStore
import PluginHosting
import PluginRuntime
import Synchronization

/// Limits on one reply.
public struct EngineLimits: Sendable {
    /// One model call.
    public var modelTimeout: Duration = .seconds(60)
    /// One tool call.
    public var toolTimeout: Duration = .seconds(15)
    /// The whole reply: model calls and tool calls together.
    public var replyDeadline: Duration = .seconds(120)
    /// How long the list of a tenant's enabled plugins is reused before it is read again: a
    /// plugin enabled, disabled or reconfigured takes effect within this time.
    public var pluginRefresh: Duration = .seconds(2)

    public init() {}
}

/// The conversation engine: answers a tenant's users with the tenant's model provider and
/// the tools of its enabled plugins, or through slash commands; keeps the history in
/// PostgreSQL (the recent part of each active conversation in memory too, see
/// `ConversationStore.recentHistory`) and publishes an event at each step.
///
/// Plugins, their libraries and their instances (one per tenant installation) come from the
/// process's one owner, `PluginHost`, which the host shares with its delivery workers, so both
/// always run the same build of a plugin for a tenant.
public final class ConversationEngine: Sendable {
    let host: PluginHost
    let tenants: TenantStore
    let conversations: ConversationStore
    let experiments: ExperimentStore
    let writer: TurnWriter
    let limits: EngineLimits
    let logger: Logger
    let metrics: BotMetrics
    /// Whether `shutdown()` closes the host's instances (the engine is their only user).
    let closesInstances: Bool
    let snapshots = TenantSnapshots()

    /// - Parameters:
    ///   - host: the owner of plugins and instances; it must have `tenants` as its store.
    ///   - closesInstances: whether `shutdown()` closes the host's instances: true when the
    ///     engine is the host's only user (the CLI), false when it is shared (`market serve`).
    ///   - metrics: where turns, model and tool calls and tokens are counted (`BotMetrics`).
    public init(host: PluginHost, tenants: TenantStore, conversations: ConversationStore, experiments: ExperimentStore,
                events: any EventPublisher, closesInstances: Bool = false,
                limits: EngineLimits = EngineLimits(), metrics: any MetricsFactory = MetricsSystem.factory, logger: Logger) {
        self.host = host
        self.tenants = tenants
        self.conversations = conversations
        self.experiments = experiments
        writer = TurnWriter(pool: conversations.pool, publisher: events)
        self.limits = limits
        self.logger = logger
        self.metrics = BotMetrics(factory: metrics)
        self.closesInstances = closesInstances
    }

    /// Answers `text` from `address` for `tenant`, streaming the reply through `onChunk` as it
    /// is made, and returns the whole reply once stored. `onChunk` may run on a model plugin's
    /// thread while the model streams: it must return quickly (hand the chunk on, never block).
    /// - Throws: `TENANT_NOT_FOUND`, store errors. Model and tool failures do not throw: the
    ///   user gets a safe message instead.
    @discardableResult
    public func respond(to text: String, from address: ChatAddress, tenant: String,
                        onChunk: @escaping @Sendable (ReplyChunk) -> Void = { _ in }) async throws -> Reply {
        let started = ContinuousClock.now
        let setup = try await snapshot(tenant: tenant)
        let assignment = setup.experiment.map { Assignment(experiment: $0.id, variant: $0.variant(for: address.userID).name) }
        let (conversation, created) = try await conversations.conversation(tenant: tenant, address: address, assignment: assignment)
        let turn = Turn(tenant: tenant, conversation: conversation, address: address, assignment: assignment, setup: setup,
                        started: started, deadline: started + limits.replyDeadline, onChunk: onChunk,
                        journal: TurnJournal(tenant: tenant, conversation: conversation, assignment: assignment))
        if created {
            publish(BotEventType.conversationStarted, turn, [
                "channel": .string(address.channel), "chat_id": .string(address.chatID), "user_id": .string(address.userID),
            ])
        }
        turn.journal.append(ChatMessage(role: .user, content: text))
        let command: SlashCommand?
        do {
            command = try SlashCommand.parse(text)
        } catch let error as MarketError {
            publish(BotEventType.messageReceived, turn, received(text, address, command: true))
            return try await finish(turn, text: "\(error.message). \(error.fix)", steps: 0)
        }
        publish(BotEventType.messageReceived, turn, received(text, address, command: command != nil))
        if let command {
            return try await run(command, turn)
        }
        return try await answerWithModel(turn)
    }

    /// Closes the host's plugin instances when the engine is their only user; shared ones stay
    /// with their owner.
    public func shutdown() async {
        if closesInstances { await host.closeAll() }
    }

    // MARK: Steps shared by commands and the model

    /// What one reply is about.
    struct Turn: Sendable {
        let tenant: String
        let conversation: String
        let address: ChatAddress
        let assignment: Assignment?
        /// The tenant's setup as this reply sees it.
        let setup: TenantSnapshot
        /// When the engine was handed the message: `message.sent`'s `latency_ms` counts from here.
        let started: ContinuousClock.Instant
        let deadline: ContinuousClock.Instant
        let onChunk: @Sendable (ReplyChunk) -> Void
        /// The reply's messages and events until they are committed.
        let journal: TurnJournal
        let notices = NoticeList()

        func notice(_ text: String) {
            notices.append(text)
            onChunk(.notice(text))
        }

        /// The context object plugins receive with each call.
        var callContext: String {
            JSONValue.object(["tenant_id": .string(tenant), "conversation_id": .string(conversation),
                              "user_id": .string(address.userID), "channel": .string(address.channel)]).jsonText
        }
    }

    /// Adds an event to the reply's journal; it is published when the journal is committed.
    /// A failed model call or tool call makes the reply a fallback (`message.sent`'s `fallback`).
    /// The bot's metrics are read off the same events.
    func publish(_ type: String, _ turn: Turn, _ data: [String: JSONValue]) {
        if type == BotEventType.llmFailed || (type == BotEventType.toolCalled && data["ok"] == .bool(false)) {
            turn.journal.markFallback()
        }
        turn.journal.publish(type, data: data)
        metrics.observe(type, channel: turn.address.channel, data)
    }

    /// Commits the reply's journal: at the end, and before a model call that follows tool calls.
    func commit(_ turn: Turn) async throws {
        try await writer.commit(turn.journal)
    }

    private func received(_ text: String, _ address: ChatAddress, command: Bool) -> [String: JSONValue] {
        ["text": .string(text), "user_id": .string(address.userID), "channel": .string(address.channel), "command": .bool(command)]
    }

    /// Stores the assistant's final text, publishes `message.sent`, commits both with the rest of
    /// the reply's journal and makes the reply. `message.sent` carries the reply's latency (from
    /// the message's arrival to its reply, without the commit) and whether it was a fallback, so
    /// the analytics rollups count both from that one event.
    func finish(_ turn: Turn, text: String, steps: Int, streamed: Bool = false, usage: ConversationStore.Usage? = nil) async throws -> Reply {
        if !streamed { turn.onChunk(.text(text)) }
        turn.journal.append(ChatMessage(role: .assistant, content: text), usage: usage ?? .init())
        publish(BotEventType.messageSent, turn, ["text": .string(text), "steps": .integer(Int64(steps)),
                                                 "latency_ms": .integer(Int64((ContinuousClock.now - turn.started).inMilliseconds)),
                                                 "fallback": .bool(turn.journal.isFallback)])
        try await commit(turn)
        return Reply(conversationID: turn.conversation, text: text, notices: turn.notices.all, steps: steps, assignment: turn.assignment)
    }
}

/// Notices collected during a reply, from whichever task adds them.
final class NoticeList: Sendable {
    private let storage = Mutex<[String]>([])
    func append(_ text: String) { storage.withLock { $0.append(text) } }
    var all: [String] { storage.withLock { $0 } }
}
