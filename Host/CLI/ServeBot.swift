import Foundation
import Logging
import MarketBot
import MarketServer
import MarketStore
import MarketCore
import PluginHosting
import ServiceLifecycle
import TelegramChannel

/// The bot as `market serve` runs it: the conversation engine, and the Telegram channel
/// (inbox processor and pollers) handing it messages. A `Service`: on graceful shutdown the
/// channel finishes the updates in hand, then the engine closes its plugin instances.
struct ServeBot: Service {
    let engine: ConversationEngine
    let telegram: TelegramRuntime
    /// What the chat API serves.
    let chat: ChatServices

    /// - Parameters:
    ///   - host: the process's owner of plugins and instances, shared with the delivery workers.
    ///   - events: where the engine's events go (the event bus).
    init(pool: DatabasePool, connectionString: String, tenants: TenantStore,
         host: PluginHost, events: any EventPublisher,
         processing: InboxProcessor.Configuration, logger: Logger) throws {
        let botLogger = Logger(label: "market.bot")
        let conversations = ConversationStore(pool: pool, logger: botLogger)
        let experiments = ExperimentStore(pool: pool, logger: botLogger)
        engine = ConversationEngine(host: host, tenants: tenants, conversations: conversations, experiments: experiments,
                                    events: events, logger: botLogger)
        chat = ChatServices(engine: engine, conversations: conversations, experiments: experiments)
        // Bot tokens are sealed by the same box, on the same key, as the tenants' secrets.
        telegram = TelegramRuntime(pool: pool, connectionString: connectionString, box: tenants.box,
                                   handler: EngineTelegramHandler(engine: engine, logger: Logger(label: "market.telegram")), processing: processing,
                                   logger: Logger(label: "market.telegram"))
    }

    func run() async throws {
        // The runtime is told of the graceful shutdown itself: it stops its pollers and lets the
        // processor finish the replies in hand.
        await telegram.run()
        await engine.shutdown()
    }
}
