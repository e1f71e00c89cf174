import ArgumentParser
import Foundation
import Logging
import MarketBot
import MarketCore
import MarketStore
import PluginHosting
import PluginRuntime

/// The stores and engine the bot commands work with, opened from `TenantOptions`.
struct BotContext {
    let tenants: TenantStore
    let conversations: ConversationStore
    let experiments: ExperimentStore
    let pool: DatabasePool
    let logger: Logger

    /// An engine whose plugins come from the installed plugins and `--plugins` folders, with
    /// plugin state in PostgreSQL. Events go to the log (debug level) until an outbox is given.
    func engine(options: TenantOptions) -> (ConversationEngine, PluginRuntime) {
        let services = HostServices(logger: logger, keyValue: PostgresKeyValueStore(pool: pool), events: LoggedEvents(logger: logger),
                                    documents: PostgresDocumentStore(pool: pool), connections: ConnectionStore(tenants: tenants, logger: logger))
        let runtime = PluginRuntime(services: services)
        let host = PluginHost(runtime: runtime, folders: options.pluginFolderSet, tenants: tenants, logger: logger)
        let engine = ConversationEngine(host: host, tenants: tenants, conversations: conversations, experiments: experiments,
                                        events: LoggedEvents(logger: logger), closesInstances: true, logger: logger)
        return (engine, runtime)
    }
}

extension TenantOptions {
    /// Opens the database (refusing a schema that is not current) and the stores, runs `body`, and closes them.
    func withBot<Value>(_ body: (BotContext) async throws -> Value) async throws -> Value {
        let logger = Logger(label: "market.bot")
        return try await database.withCurrentStore(size: 3, logger: logger) { pool, key in
            let tenants = TenantStore(pool: pool, masterKey: key, manifests: pluginFolderSet, logger: logger)
            return try await body(BotContext(tenants: tenants, conversations: ConversationStore(pool: pool, logger: logger),
                                             experiments: ExperimentStore(pool: pool, logger: logger), pool: pool, logger: logger))
        }
    }
}

/// Writes the engine's events to the log, for the in-process CLI (`MARKET_LOG_LEVEL=debug`).
struct LoggedEvents: EventPublisher {
    let logger: Logger

    func publish(_ event: EventEnvelope) throws {
        logger.debug("event", metadata: ["event": .string(event.jsonText)])
    }
}
