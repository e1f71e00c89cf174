import Logging
import MarketCore
import MarketStore
import Synchronization

/// Long polling for one bot: `getUpdates` from the stored offset, the updates stored in the
/// inbox and the next offset written in one transaction, so a crash between the two neither
/// loses nor repeats an update.
///
/// Only the replica holding the bot's PostgreSQL advisory lock polls (Telegram allows one
/// `getUpdates` caller per bot); the others wait and take over when its session ends. The lock
/// lives on a connection of the poller's own, which all of its database work uses.
public final class LongPoller: Sendable {
    /// The long poll's timeout and the poller's pauses.
    public struct Configuration: Sendable {
        /// getUpdates' `timeout`: how long Telegram holds a poll open when there is nothing new.
        /// Stopping the poller abandons the poll in flight (within about a second).
        public var pollTimeout: Int
        /// How often a standby poller tries for the lock.
        public var standbyInterval: Duration
        /// The pause after a failed poll.
        public var retryInterval: Duration

        public init(pollTimeout: Int = 25, standbyInterval: Duration = .seconds(5), retryInterval: Duration = .seconds(2)) {
            self.pollTimeout = max(0, pollTimeout)
            self.standbyInterval = standbyInterval
            self.retryInterval = retryInterval
        }
    }

    let botID: String
    let connectionString: String
    let bots: TelegramBots
    let configuration: Configuration
    let stored: @Sendable () -> Void
    let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var polling = false
        var polls = 0
    }

    /// Whether this poller holds the bot's lock and polls.
    public var isPolling: Bool { state.withLock { $0.polling } }
    /// getUpdates calls this poller has made.
    public var polls: Int { state.withLock { $0.polls } }

    /// - Parameter stored: called after new updates are stored (to wake a processor).
    public init(botID: String, connectionString: String, bots: TelegramBots, configuration: Configuration = Configuration(),
                stored: @escaping @Sendable () -> Void = {}, logger: Logger) {
        self.botID = botID
        self.connectionString = connectionString
        self.bots = bots
        self.configuration = configuration
        self.stored = stored
        self.logger = logger
    }

    /// Polls until the task is cancelled (the poll in flight is abandoned; its updates stay
    /// with Telegram, the offset unconfirmed), or until the bot is no longer in polling mode
    /// (switched to a webhook, or removed), then releases the lock.
    public func run() async {
        var session: PostgresConnection?
        var client: BotAPIClient?
        while !Task.isCancelled {
            do {
                let connection: PostgresConnection
                if let open = session, try await Blocking.run({ open.isReusable }) {
                    connection = open
                } else {
                    // A broken session has lost the lock with it: start over.
                    if let broken = session { _ = try? await Blocking.run { broken.close() } }
                    state.withLock { $0.polling = false }
                    connection = try await Blocking.run { [connectionString] in try PostgresConnection.connect(connectionString) }
                    session = connection
                }
                if !isPolling {
                    guard try await lock(connection) else {
                        try await Task.sleep(for: configuration.standbyInterval)
                        continue
                    }
                    state.withLock { $0.polling = true }
                    logger.info("polling Telegram for updates", metadata: ["bot": .string(botID)])
                }
                if client == nil {
                    guard let credentials = try await bots.credentials(botID) else { throw TelegramBots.notFound(botID) }
                    client = credentials.client()
                }
                if let client { try await poll(client, on: connection) }
            } catch is CancellationError {
                break
            } catch is NoLongerPolling {
                logger.info("the bot no longer polls for updates; its poller stops", metadata: ["bot": .string(botID)])
                break
            } catch {
                logger.error("long polling failed; trying again", metadata: ["bot": .string(botID), "error": "\(error)"])
                if let failure = error as? BotAPIError, failure.errorCode == 401 { client = nil }
                try? await Task.sleep(for: configuration.retryInterval)
            }
        }
        state.withLock { $0.polling = false }
        // Ending the session releases the advisory lock for a standby replica.
        if let session { _ = try? await Blocking.run { session.close() } }
    }

    private func lock(_ connection: PostgresConnection) async throws -> Bool {
        try await Blocking.run { [botID] in
            try connection.query("SELECT pg_try_advisory_lock(hashtextextended('market.telegram.poll:' || $1, 0)) AS locked", [botID])[0]
                .decode("locked", as: Bool.self)
        }
    }

    /// The bot is in webhook mode now, or gone.
    struct NoLongerPolling: Error {}

    private func poll(_ client: BotAPIClient, on connection: PostgresConnection) async throws {
        // The mode is read before every poll: a switch to a webhook (made by any replica, or
        // the CLI) stops the poller at its next poll instead of leaving it to poll into 409s.
        let offset: Int64 = try await Blocking.run { [botID] in
            let rows = try connection.query("""
                SELECT b.mode, o.next_offset FROM telegram_bots b LEFT JOIN telegram_poll_offsets o ON o.bot_id = b.id WHERE b.id = $1
                """, [botID])
            guard let row = rows.first, try row.decode("mode", as: String.self) == TelegramBot.Mode.polling.rawValue else { throw NoLongerPolling() }
            return try row.decode("next_offset", as: Int64?.self) ?? 0
        }
        state.withLock { $0.polls += 1 }
        let updates = try await client.getUpdates(offset: offset, timeout: configuration.pollTimeout)
        guard let last = updates.map(\.updateID).max() else { return }
        let chats = try updates.map { try TelegramInbox.chat(of: $0) }
        let fresh: Int = try await Blocking.run { [botID] in
            try connection.transaction { connection in
                let arrivals = zip(updates, chats).map { TelegramInbox.Arrival(bot: botID, update: $0, chat: $1) }
                let fresh = try TelegramInbox.store(arrivals, on: connection).filter { $0 }.count
                _ = try connection.query("""
                    INSERT INTO telegram_poll_offsets (bot_id, next_offset) VALUES ($1, $2)
                    ON CONFLICT (bot_id) DO UPDATE SET next_offset = greatest(telegram_poll_offsets.next_offset, excluded.next_offset), updated_at = now()
                    """, [botID, last + 1])
                return fresh
            }
        }
        TelegramMetrics.stored(fresh, mode: .polling)
        if fresh > 0 { stored() }
    }
}
