import Logging

/// Makes Telegram's webhook for a bot what Market expects: reads `getWebhookInfo` and calls
/// `setWebhook` only when the URL or the update kinds differ (or when asked to), so running
/// it at every start costs one read.
public struct WebhookReconciler: Sendable {
    /// What reconciling did.
    public enum Outcome: String, Sendable, Equatable {
        case unchanged
        case set
    }

    public let credentials: BotCredentials
    let logger: Logger

    public init(credentials: BotCredentials, logger: Logger) {
        self.credentials = credentials
        self.logger = logger
    }

    /// The webhook URL for a server reachable at `publicBase` (such as `https://bots.example.com`).
    public func webhookURL(publicBase: String) -> String {
        (publicBase.hasSuffix("/") ? String(publicBase.dropLast()) : publicBase) + credentials.bot.webhookPath
    }

    /// - Parameter force: set the webhook even when it looks right (after rotating the secret,
    ///   which getWebhookInfo cannot show).
    @discardableResult
    public func reconcile(publicBase: String, force: Bool = false) async throws -> Outcome {
        let client = credentials.client()
        let url = webhookURL(publicBase: publicBase)
        let info = try await client.getWebhookInfo()
        let kinds = Set(info.allowedUpdates ?? [])
        if !force, info.url == url, kinds == Set(BotAPIClient.allowedUpdates) { return .unchanged }
        try await client.setWebhook(url: url, secretToken: credentials.secretToken)
        logger.info("set the Telegram webhook", metadata: ["bot": .string(credentials.bot.id), "url": .string(url)])
        return .set
    }
}
