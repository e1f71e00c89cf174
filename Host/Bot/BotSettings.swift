/// How one tenant's bot behaves; stored in `bot_settings`, defaults when there is no row.
public struct BotSettings: Sendable, Equatable {
    /// Sent first in every model request; empty sends none.
    public var systemPrompt: String
    /// The model-provider plugin to use; nil picks the tenant's only enabled one.
    public var modelPlugin: String?
    /// The history's budget in characters (see `ContextBudget`).
    public var contextCharacters: Int
    /// Model calls per reply before the tool loop stops.
    public var maxSteps: Int

    public static let defaults = BotSettings(systemPrompt: "", modelPlugin: nil, contextCharacters: 24_000, maxSteps: 6)

    public init(systemPrompt: String, modelPlugin: String?, contextCharacters: Int, maxSteps: Int) {
        self.systemPrompt = systemPrompt
        self.modelPlugin = modelPlugin
        self.contextCharacters = contextCharacters
        self.maxSteps = maxSteps
    }
}

/// Where a message came from: the channel and the chat and user ids that channel uses.
public struct ChatAddress: Sendable, Hashable {
    /// `telegram`, `web`, `cli`, …
    public let channel: String
    public let chatID: String
    public let userID: String

    public init(channel: String, chatID: String, userID: String) {
        self.channel = channel
        self.chatID = chatID
        self.userID = userID
    }
}
