import Crypto
import Logging
import MarketCore
import Synchronization

/// Answers Telegram's webhook deliveries, free of any HTTP framework: given the opaque bot id
/// from the path, the request's headers and its body, it returns the status to answer.
///
/// An update is acknowledged (200) only once it is stored in the inbox, so Telegram delivers
/// it again when the store is down (503); a duplicate is acknowledged and not stored twice.
/// The secret header is compared in constant time.
public final class WebhookHandler: Sendable {
    /// The header Telegram puts the webhook's `secret_token` in.
    public static let secretHeader = "X-Telegram-Bot-Api-Secret-Token"
    /// Telegram's updates are far smaller; anything bigger is not from Telegram.
    public static let maximumBody = 1 << 20

    let bots: TelegramBots
    let inbox: TelegramInbox
    let stored: @Sendable (TelegramInbox.Key) -> Void
    let logger: Logger
    /// Bot id → SHA-256 of its secret and when it was read, so most deliveries cost one insert.
    private let secrets = Mutex<[String: (digest: [UInt8], readAt: ContinuousClock.Instant)]>([:])
    private let cacheLifetime: Duration

    /// - Parameter stored: called after each new update is stored (to offer it to a processor).
    public init(bots: TelegramBots, inbox: TelegramInbox, cacheLifetime: Duration = .seconds(30),
                stored: @escaping @Sendable (TelegramInbox.Key) -> Void = { _ in }, logger: Logger) {
        self.bots = bots
        self.inbox = inbox
        self.cacheLifetime = cacheLifetime
        self.stored = stored
        self.logger = logger
    }

    /// The HTTP status to answer a delivery with: 200 stored (or a duplicate), 400 not an
    /// update, 401 wrong or missing secret, 404 no such bot, 413 too large, 503 store down.
    public func handle(botID: String, headers: [(name: String, value: String)], body: [UInt8]) async -> Int {
        guard TelegramBot.isValidID(botID) else { return 404 }
        let given = headers.first { $0.name.lowercased() == Self.secretHeader.lowercased() }?.value ?? ""
        let expected: [UInt8]
        do {
            guard let digest = try await secretDigest(botID) else { return 404 }
            expected = digest
        } catch {
            logger.error("cannot read the bot's webhook secret", metadata: ["bot": .string(botID), "error": "\(error)"])
            return 503
        }
        guard Self.constantTimeEqual(Array(SHA256.hash(data: Array(given.utf8))), expected) else {
            logger.warning("refused a webhook delivery with a wrong secret token", metadata: ["bot": .string(botID)])
            return 401
        }
        guard body.count <= Self.maximumBody else { return 413 }
        let parsed: (update: RawUpdate, chat: Int64)
        do {
            parsed = try RawUpdate.parse(body: body)
        } catch {
            return 400
        }
        do {
            if let key = try await inbox.storeNew(parsed.update, chat: parsed.chat, bot: botID) {
                TelegramMetrics.stored(1, mode: .webhook)
                stored(key)
            }
            return 200
        } catch {
            logger.error("cannot store a Telegram update; Telegram will deliver it again", metadata: ["bot": .string(botID), "error": "\(error)"])
            return 503
        }
    }

    private func secretDigest(_ botID: String) async throws -> [UInt8]? {
        let now = ContinuousClock.now
        if let cached = secrets.withLock({ $0[botID] }), now - cached.readAt < cacheLifetime { return cached.digest }
        guard let credentials = try await bots.credentials(botID) else { return nil }
        let digest = Array(SHA256.hash(data: Array(credentials.secretToken.utf8)))
        secrets.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[botID] = (digest, now)
        }
        return digest
    }

    /// Compares two digests of equal length without stopping at the first difference.
    static func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
