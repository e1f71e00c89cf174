import Logging
import MarketCore
import ServiceLifecycle
import Synchronization

/// Works through the inbox: claims the oldest pending update of each chat, hands it to the
/// handler, sends the reply (with a typing indicator while it is produced), and marks the
/// update done. A reply is made once: when its send fails, what is left of it is kept with the
/// update and the retry sends that, without asking the handler again. Chats are processed concurrently, each chat's updates one at a time in order.
///
/// Updates this replica stored are offered to it by key and claimed by key (index lookups);
/// finishing an update claims its chat's next one in the same transaction, and one offered
/// while its chat was being answered is claimed right after (`OfferedUpdates`). A sweep of the
/// whole inbox, at the poll interval or when woken, finds the rest: updates other replicas
/// stored, retries that fell due, claims that lapsed.
///
/// Every replica may run one; claims are leases in PostgreSQL, so a processor that stops
/// abruptly leaves its updates to be claimed again once their lease lapses.
///
/// Replies are child tasks of `run()`. A graceful shutdown (of the `ServiceGroup` it runs in)
/// stops the claims and gives the replies in hand `drainTimeout` before cancelling them;
/// cancelling `run()` cancels them at once. A cancelled reply hands its update back.
public final class InboxProcessor: Service, Sendable {
    /// How much the processor takes on at once, and how patient it is.
    public struct Configuration: Sendable {
        /// Updates claimed at once (at most one per chat), and so the most replies in the works:
        /// a model's reply takes seconds, so a busy bot needs many chats answered at once. Each
        /// costs some 30–40 KB while it lasts. Batches this large also let PostgreSQL write the
        /// replies of many chats in one statement: from 32 to 128, the Telegram benchmark's
        /// throughput rose by a fifth and its p99 at 1,000 updates/s fell from 0.5–1.2 s to 0.1 s.
        public var batchSize: Int
        /// How long a claim lasts; a reply must be sent within it, or the update is taken again.
        public var lease: Duration
        /// How often the inbox is looked at without a wake-up (updates stored by other replicas).
        public var pollInterval: Duration
        /// Attempts before an update that keeps failing is set aside as `failed`.
        public var maxAttempts: Int
        /// How often "typing…" is renewed (Telegram shows it for about 5 s).
        public var typingInterval: Duration
        /// How long a reply may take before it is shown in progress ("typing…", a streamed
        /// reply's drafts or first message): a reply ready sooner (a slash command, a fast model)
        /// is sent whole at once, with no call ahead of it against the chat's or the bot's limits.
        public var typingDelay: Duration = .milliseconds(400)
        /// The least time between updates of a streamed reply.
        public var streamInterval: Duration
        /// The least time between two messages to one chat (Telegram allows about one a second).
        public var perChatInterval: Duration
        /// The wait before the first retry of a failed update; each further retry waits twice as long.
        public var retryBackoff: Duration
        /// The least time between two calls of one bot (Telegram allows about 30 messages a second).
        public var perBotInterval: Duration = .milliseconds(34)
        /// Calls of one bot answered within any one second, plus those in flight, at most
        /// (Telegram allows about 30 messages a second; more for a bot it has raised).
        public var perBotPerSecond = 30
        /// The least time between two messages to one group, from the previous one's answer
        /// (Telegram allows 20 a minute).
        public var perGroupInterval: Duration = .milliseconds(3100)
        /// How long a stop waits for the replies in hand; then they are cancelled and their
        /// updates handed back (with what was made of their replies), so a stop is bounded even
        /// with a backlog or the Bot API unreachable.
        public var drainTimeout: Duration = .seconds(10)

        public init(batchSize: Int = 128, lease: Duration = .seconds(120), pollInterval: Duration = .milliseconds(250),
                    maxAttempts: Int = 5, typingInterval: Duration = .seconds(4), streamInterval: Duration = .seconds(1),
                    perChatInterval: Duration = .milliseconds(1050), retryBackoff: Duration = .seconds(2)) {
            self.batchSize = max(1, batchSize)
            self.lease = lease
            self.pollInterval = pollInterval
            self.maxAttempts = max(1, maxAttempts)
            self.typingInterval = typingInterval
            self.streamInterval = streamInterval
            self.perChatInterval = perChatInterval
            self.retryBackoff = retryBackoff
        }
    }

    let inbox: TelegramInbox
    let bots: TelegramBots
    let handler: any TelegramMessageHandler
    let configuration: Configuration
    let logger: Logger
    private let wakeup = Wakeup()
    /// Set by a graceful shutdown: no more claims.
    private let shutdownRequested = Atomic<Bool>(false)
    /// Set once the loop has stopped: claimed next updates are handed back, not started.
    private let stopping = Atomic<Bool>(false)
    /// Updates stored here and not claimed yet, whether a sweep is wanted, and the chats being answered.
    private let offered = OfferedUpdates(limit: InboxProcessor.offeredLimit)
    /// Offered updates kept at most; beyond, the sweep finds them.
    static let offeredLimit = 20_000
    /// Chats whose updates are being processed (each by one child task of `run()`).
    private let inFlight = Atomic<Int>(0)
    /// One sender, hence one scheduler, per bot.
    private let senders = Mutex<[String: ReplySender]>([:])

    public init(inbox: TelegramInbox, bots: TelegramBots, handler: any TelegramMessageHandler,
                configuration: Configuration = Configuration(), logger: Logger) {
        self.inbox = inbox
        self.bots = bots
        self.handler = handler
        self.configuration = configuration
        self.logger = logger
    }

    /// Sweeps the inbox now (call after storing updates this processor was not offered).
    public func wake() {
        offered.requestSweep()
        wakeup.signal()
    }

    /// Claims this update soon (call after storing it).
    public func offer(_ key: TelegramInbox.Key) {
        offered.offer(key)
        wakeup.signal()
    }

    /// Processes updates until a graceful shutdown, which lets the replies in hand finish
    /// (within `drainTimeout`), or until the task is cancelled, which cancels them.
    ///
    /// Claims go on while replies are in flight (up to `batchSize` at once), so a slow reply in
    /// one chat never holds up the others; a finished update goes on with its chat's next one
    /// (claimed as it was marked done) and wakes the loop for the slot it may leave.
    public func run() async {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { replies in
                await claimUntilStopped(&replies)
                await drain(&replies)
            }
        } onGracefulShutdown: { [self] in
            shutdownRequested.store(true, ordering: .sequentiallyConsistent)
            wakeup.signal()
        }
    }

    private var stopRequested: Bool { Task.isCancelled || shutdownRequested.load(ordering: .sequentiallyConsistent) }

    private func claimUntilStopped(_ replies: inout DiscardingTaskGroup) async {
        var nextSweep = ContinuousClock.now
        while !stopRequested {
            let free = configuration.batchSize - inFlight.load(ordering: .sequentiallyConsistent)
            guard free > 0 else {
                await wakeup.wait(upTo: configuration.pollInterval)
                continue
            }
            // A sweep when one is due or wanted (it takes offered updates too, being their chats'
            // oldest), otherwise the offered updates by key.
            let due = ContinuousClock.now >= nextSweep
            let (sweep, keys) = offered.take(upTo: free, due: due)
            let items: [TelegramInbox.Item]
            do {
                if sweep {
                    nextSweep = ContinuousClock.now + configuration.pollInterval
                    items = try await inbox.claim(limit: free, lease: configuration.lease)
                    // Offered updates the sweep took need no claim by key after it.
                    offered.remove(Set(items.map(\.key)))
                } else {
                    items = try await inbox.claim(keys, lease: configuration.lease)
                }
            } catch {
                logger.error("cannot claim Telegram updates", metadata: ["error": "\(error)"])
                await wakeup.wait(upTo: .seconds(1))
                continue
            }
            for item in items {
                inFlight.add(1, ordering: .sequentiallyConsistent)
                offered.answering(item)
                // Below the webhook's requests: an update is acknowledged once stored, and its
                // reply can wait for the CPU where Telegram's delivery should not (a slow answer
                // makes Telegram back off and deliver again). Under overload the inbox grows instead.
                replies.addTask(priority: .low) { await self.answerChat(from: item) }
            }
            if items.isEmpty && offered.isEmpty {
                await wakeup.wait(upTo: max(.zero, nextSweep - ContinuousClock.now))
            }
        }
    }

    /// After the loop: the replies in hand get `drainTimeout` (none when `run()` was cancelled);
    /// those still going are cancelled then and hand their updates back. The group awaits them
    /// all: a reply stuck where cancelling does not reach (a plugin's call) holds the stop, which
    /// `market serve` bounds with its shutdown deadline (the update's claim lapses with its lease).
    private func drain(_ replies: inout DiscardingTaskGroup) async {
        stopping.store(true, ordering: .sequentiallyConsistent)
        let deadline = ContinuousClock.now + configuration.drainTimeout
        while inFlight.load(ordering: .sequentiallyConsistent) > 0, !Task.isCancelled, ContinuousClock.now < deadline {
            await wakeup.wait(upTo: min(.milliseconds(100), deadline - ContinuousClock.now))
        }
        let left = inFlight.load(ordering: .sequentiallyConsistent)
        guard left > 0 else { return }
        logger.notice("stopping with Telegram replies in hand; their updates are handed back", metadata: ["replies": "\(left)"])
        replies.cancelAll()
    }

    /// Answers `item`, then its chat's next updates: those finishing each one claims, and those
    /// offered meanwhile, claimed as soon as it is done. When stopping, a claimed next update is
    /// handed back for the next processor.
    private func answerChat(from item: TelegramInbox.Item) async {
        var current = item
        while true {
            var next = await process(current)
            if next == nil {
                if stopRequested { offered.leave(current) } else { next = await claimHeld(after: current) }
            }
            guard let next else { break }
            guard !stopping.load(ordering: .sequentiallyConsistent), !Task.isCancelled else {
                // From a task of its own: this one may be cancelled, the write must not be.
                await Task { [inbox] in try? await inbox.release(next) }.value
                offered.leave(next)
                break
            }
            offered.continuing(with: next)
            current = next
        }
        inFlight.subtract(1, ordering: .sequentiallyConsistent)
        wakeup.signal()
    }

    /// The chat's next update among those offered while `item` was answered, claimed now that
    /// `item` is done; nil when none was offered (the chat is then no longer answered here) or
    /// none could be claimed (one that failed is still ahead of them: the sweep takes them later).
    private func claimHeld(after item: TelegramInbox.Item) async -> TelegramInbox.Item? {
        while true {
            let held = offered.held(after: item)
            guard !held.isEmpty else { return nil }
            do {
                if let next = try await inbox.claim(held, lease: configuration.lease).first { return next }
            } catch {
                logger.error("cannot claim Telegram updates", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One update: handled and answered, then marked done; on failure released for a retry.
    /// The claim is renewed while the reply is produced, so a slow reply is not taken twice;
    /// a processor that dies stops renewing, and its claim lapses. Returns the chat's next
    /// update when marking this one done claimed it.
    func process(_ item: TelegramInbox.Item) async -> TelegramInbox.Item? {
        let lease = configuration.lease
        // A timer rather than a sleeping task: see CancellableTimer.
        let renewal = CancellableTimer(after: lease / 3, repeating: lease / 3) { [inbox] in
            Task { _ = try? await inbox.renew(item, lease: lease) }
        }
        defer { renewal.cancel() }
        // The reply once sent: kept if the update cannot be marked done, so a retry sends nothing.
        var sent: OutgoingReply?
        do {
            sent = try await answer(item)
            return try await inbox.complete(item, claimingNextFor: lease)
        } catch {
            let unsent = error as? UnsentReply
            let cause = unsent?.underlying ?? error
            let kept = unsent?.reply ?? sent
            // Written from a task of its own: this one may be cancelled (a stop), the write must not be.
            let inbox = self.inbox
            if Task.isCancelled {
                // Cut short by a stop (only a stop cancels a reply): handed back as it was, with
                // what was made of its reply.
                await Task { try? await inbox.release(item, reply: kept) }.value
                return nil
            }
            // Telegram's 4xx refusals (a blocked bot, a chat that is gone) stay refusals on retry.
            let permanent = (cause as? BotAPIError).map { (400..<500).contains($0.errorCode) && $0.errorCode != 429 } ?? false
            logger.warning(permanent ? "Telegram refused a reply; the update is set aside" : "a Telegram update failed; it will be retried", metadata: [
                "bot": .string(item.botID), "update_id": "\(item.updateID)", "attempt": "\(item.attempts)", "error": "\(cause)",
                "reply_kept": "\(kept != nil)",
            ])
            let backoff = configuration.retryBackoff * (1 << min(item.attempts - 1, 8))
            let maxAttempts = permanent ? 0 : configuration.maxAttempts
            let reason = "\(cause)"
            await Task { try? await inbox.fail(item, reason: reason, retryIn: backoff, maxAttempts: maxAttempts, reply: kept) }.value
            // The chat's next update waits for a sweep: this one may still be pending ahead of it.
            return nil
        }
    }

    /// Makes the reply, unless an earlier attempt made it, and sends what is left of it.
    /// - Returns: the reply, sent (no parts when there was nothing to say).
    /// - Throws: `UnsentReply` when a send failed, with what is left.
    private func answer(_ item: TelegramInbox.Item) async throws -> OutgoingReply {
        let sender = try await sender(for: item.botID)
        var reply: OutgoingReply
        if let kept = item.reply {
            reply = kept
        } else {
            reply = try await makeReply(item, sender: sender) ?? OutgoingReply(chat: item.chatID, parts: [])
        }
        do {
            try await sender.deliver(&reply)
        } catch {
            throw UnsentReply(reply: reply, underlying: error)
        }
        return reply
    }

    /// The handler's reply to the update, as the messages to send; nil when there is none.
    /// "typing…" shows while it is made, and stops once it waits to be sent.
    private func makeReply(_ item: TelegramInbox.Item, sender: ReplySender) async throws -> OutgoingReply? {
        let update = try RawUpdate(updateID: item.updateID, json: item.payload).decoded()
        guard let message = Self.inbound(update, item: item) else { return nil }
        if case .callback(let queryID, _, _) = message.content { try? await sender.answerCallback(queryID) }
        let typing = CancellableTimer(after: configuration.typingDelay, repeating: configuration.typingInterval) {
            Task { try? await sender.typing(message.chat) }
        }
        defer { typing.cancel() }
        let replyTo: Int64? = if case .text(_, let id) = message.content, !message.chat.isPrivate { id } else { nil }
        switch try await handler.reply(to: message) {
        case .none: return nil
        case .text(let markdown, let buttons): return try sender.outgoing(markdown: markdown, to: message.chat, replyTo: replyTo, buttons: buttons)
        case .stream(let pieces): return try await sender.streamed(pieces, to: message.chat, replyTo: replyTo)
        case .streamThenButtons(let pieces, let buttons) where message.chat.isPrivate:
            return try await sender.streamed(pieces, to: message.chat, replyTo: replyTo, buttons: buttons)
        case .streamThenButtons(let pieces, let buttons):
            // Edited messages cannot gain a keyboard in one call: groups get the reply whole.
            var text = ""
            for try await piece in pieces { text += piece }
            return try sender.outgoing(markdown: text, to: message.chat, replyTo: replyTo, buttons: buttons())
        }
    }

    /// The message a handler sees, or nil for updates the channel does not act on.
    static func inbound(_ update: Update, item: TelegramInbox.Item) -> InboundMessage? {
        if let message = update.message, let text = message.text {
            return InboundMessage(botID: item.botID, tenantID: item.tenantID, updateID: update.updateID, chat: message.chat,
                                  user: message.from, content: .text(text, messageID: message.messageID))
        }
        if let query = update.callbackQuery, let chat = query.message?.chat {
            return InboundMessage(botID: item.botID, tenantID: item.tenantID, updateID: update.updateID, chat: chat, user: query.from,
                                  content: .callback(queryID: query.id, data: query.data ?? "", messageID: query.message?.messageID))
        }
        return nil
    }

    private func sender(for botID: String) async throws -> ReplySender {
        if let known = senders.withLock({ $0[botID] }) { return known }
        guard let credentials = try await bots.credentials(botID) else { throw TelegramBots.notFound(botID) }
        let made = ReplySender(client: credentials.client(), scheduler: SendScheduler(perChat: configuration.perChatInterval,
                                                                                        perGroup: configuration.perGroupInterval,
                                                                                        global: configuration.perBotInterval,
                                                                                        perSecond: configuration.perBotPerSecond),
                               streamInterval: configuration.streamInterval, progressDelay: configuration.typingDelay, logger: logger)
        return senders.withLock { senders in
            if let raced = senders[botID] { return raced }
            senders[botID] = made
            return made
        }
    }
}
