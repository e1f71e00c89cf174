import Foundation
import Logging
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Synchronization
import TelegramChannel
import Testing

/// A fresh database with the schema and a tenant `acme`, the Bot API fake, and a bot of
/// `acme` registered against the fake.
struct TelegramFixture {
    let connectionString: String
    let pool: DatabasePool
    let bots: TelegramBots
    let inbox: TelegramInbox
    let fake: FakeTelegram
    let bot: TelegramBot
    let box: SecretBox
    let logs: CapturingLogHandler

    static func make(mode: TelegramBot.Mode = .webhook) async throws -> TelegramFixture {
        let connectionString = try await freshDatabase()
        let logs = CapturingLogHandler()
        let pool = DatabasePool(connectionString: connectionString, configuration: .init(size: 4), logger: logs.logger)
        pool.start()
        try await Migrator().apply(using: pool, logger: logs.logger)
        _ = try await pool.query("INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')")
        let box = SecretBox(key: MasterKey.generate())
        let bots = TelegramBots(pool: pool, box: box, logger: logs.logger)
        let fake = try await FakeTelegram.start()
        let (bot, _) = try await bots.connect(tenant: "acme", token: FakeTelegram.token, username: "fake_market_bot", mode: mode, apiBase: fake.base)
        return TelegramFixture(connectionString: connectionString, pool: pool, bots: bots, inbox: TelegramInbox(pool: pool),
                               fake: fake, bot: bot, box: box, logs: logs)
    }

    var credentials: BotCredentials {
        get async throws { try #require(try await bots.credentials(bot.id)) }
    }

    /// The inbox's rows: update id and status, in update order.
    func inboxRows() async throws -> [(updateID: Int64, status: String)] {
        try await pool.query("SELECT update_id, status FROM telegram_inbox ORDER BY update_id")
            .map { (try $0.decode("update_id"), try $0.decode("status")) }
    }

    /// Waits until `condition` holds, for up to `timeout`.
    func eventually(_ timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    func close() async {
        await pool.shutdown()
    }
}

/// A test handler standing in for the conversation engine: it answers a text with the text
/// in upper case (a callback with its data), after `delay`, and records what it saw.
final class UppercasingHandler: TelegramMessageHandler {
    let seen = Mutex<[InboundMessage]>([])
    let delay: Duration

    init(delay: Duration = .zero) {
        self.delay = delay
    }

    func reply(to message: InboundMessage) async throws -> TelegramReply {
        seen.withLock { $0.append(message) }
        if delay > .zero { try await Task.sleep(for: delay) }
        switch message.content {
        case .text(let text, _): return .text(text.uppercased())
        case .callback(_, let data, _): return .text("pressed \(data)")
        }
    }

    var updateIDs: [Int64] { seen.withLock { $0.map(\.updateID) } }
}
