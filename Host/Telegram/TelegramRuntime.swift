import Logging
import MarketStore
import Synchronization

/// The Telegram channel of one replica, put together: the webhook handler for the HTTP
/// server's `/telegram/<bot id>` route, the inbox processor, and a long poller for each bot in
/// polling mode (the advisory lock lets one replica poll each bot).
///
/// A webhook delivery wakes this replica's processor at once; updates stored by other replicas
/// are picked up within the processor's poll interval.
public final class TelegramRuntime: Sendable {
    public let bots: TelegramBots
    public let inbox: TelegramInbox
    public let processor: InboxProcessor
    /// Hand `POST /telegram/<bot id>` here.
    public let webhook: WebhookHandler
    let connectionString: String
    let polling: LongPoller.Configuration
    let refreshInterval: Duration
    let logger: Logger
    /// Pollers that stopped by themselves (their bot left polling mode): started again if it returns.
    private let endedPollers = Mutex<Set<String>>([])

    /// - Parameters:
    ///   - connectionString: for the pollers' own sessions, which hold their advisory locks.
    ///   - refreshInterval: how often the list of polling bots is read again.
    public init(pool: DatabasePool, connectionString: String, box: SecretBox, handler: any TelegramMessageHandler,
                processing: InboxProcessor.Configuration = .init(), polling: LongPoller.Configuration = .init(),
                refreshInterval: Duration = .seconds(30), logger: Logger) {
        let bots = TelegramBots(pool: pool, box: box, logger: logger)
        let inbox = TelegramInbox(pool: pool)
        let processor = InboxProcessor(inbox: inbox, bots: bots, handler: handler, configuration: processing, logger: logger)
        self.bots = bots
        self.inbox = inbox
        self.processor = processor
        webhook = WebhookHandler(bots: bots, inbox: inbox, stored: { processor.offer($0) }, logger: logger)
        self.connectionString = connectionString
        self.polling = polling
        self.refreshInterval = refreshInterval
        self.logger = logger
    }

    /// Runs the processor and the pollers until the task is cancelled, then lets the updates in
    /// hand finish and the pollers release their locks.
    public func run() async {
        let processing = Task { await processor.run() }
        var pollers: [String: Task<Void, Never>] = [:]
        while !Task.isCancelled {
            for id in endedPollers.withLock({ ended in defer { ended = [] }; return ended }) { pollers[id] = nil }
            do {
                let wanted = Set(try await bots.bots().filter { $0.mode == .polling }.map(\.id))
                for (id, task) in pollers where !wanted.contains(id) {
                    task.cancel()
                    pollers[id] = nil
                }
                for id in wanted where pollers[id] == nil {
                    let poller = LongPoller(botID: id, connectionString: connectionString, bots: bots, configuration: polling,
                                            stored: { [processor] in processor.wake() }, logger: logger)
                    pollers[id] = Task {
                        await poller.run()
                        if !Task.isCancelled { self.endedPollers.withLock { _ = $0.insert(id) } }
                    }
                }
            } catch {
                logger.error("cannot list the Telegram bots to poll", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: refreshInterval)
        }
        for task in pollers.values { task.cancel() }
        processing.cancel()
        for task in pollers.values { await task.value }
        await processing.value
    }
}
