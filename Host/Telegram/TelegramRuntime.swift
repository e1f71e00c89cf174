import Logging
import MarketStore
import ServiceLifecycle
import Synchronization

/// The Telegram channel of one replica, put together: the webhook handler for the HTTP
/// server's `/telegram/<bot id>` route, the inbox processor, and a long poller for each bot in
/// polling mode (the advisory lock lets one replica poll each bot).
///
/// A webhook delivery wakes this replica's processor at once; updates stored by other replicas
/// are picked up within the processor's poll interval.
///
/// A `Service`: the processor and the pollers are child tasks of `run()`. A graceful shutdown
/// stops the pollers (each awaited until it has released its lock) and lets the processor
/// finish the replies in hand; cancelling `run()` cancels everything.
public final class TelegramRuntime: Service, Sendable {
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
    /// Set by a graceful shutdown: the list of bots is not read again.
    private let shutdownRequested = Atomic<Bool>(false)
    /// Wakes the refresh loop early (at a graceful shutdown).
    private let refresh = Wakeup()

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

    /// Runs the processor and the pollers until a graceful shutdown or cancellation, starting
    /// and stopping pollers as bots enter and leave polling mode; returns once every poller has
    /// ended its session (releasing its lock) and the processor has stopped.
    public func run() async {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.processor.run() }
                var pollers: [String: StoppablePoller] = [:]
                while !Task.isCancelled, !shutdownRequested.load(ordering: .sequentiallyConsistent) {
                    for id in endedPollers.withLock({ ended in defer { ended = [] }; return ended }) { pollers[id] = nil }
                    do {
                        let wanted = Set(try await bots.bots().filter { $0.mode == .polling }.map(\.id))
                        for (id, poller) in pollers where !wanted.contains(id) {
                            poller.stop()
                            pollers[id] = nil
                        }
                        for id in wanted where pollers[id] == nil {
                            let poller = StoppablePoller(LongPoller(botID: id, connectionString: connectionString, bots: bots, configuration: polling,
                                                                    stored: { [processor] in processor.wake() }, logger: logger))
                            pollers[id] = poller
                            group.addTask {
                                if await poller.run() { self.endedPollers.withLock { _ = $0.insert(id) } }
                            }
                        }
                    } catch {
                        logger.error("cannot list the Telegram bots to poll", metadata: ["error": "\(error)"])
                    }
                    await refresh.wait(upTo: refreshInterval)
                }
                for poller in pollers.values { poller.stop() }
            }
        } onGracefulShutdown: { [self] in
            shutdownRequested.store(true, ordering: .sequentiallyConsistent)
            refresh.signal()
        }
    }
}
