import MarketBot

/// What the HTTP chat API works with: the engine, and the stores behind a conversation's
/// history and an experiment's report.
public struct ChatServices: Sendable {
    public let engine: ConversationEngine
    public let conversations: ConversationStore
    public let experiments: ExperimentStore

    public init(engine: ConversationEngine, conversations: ConversationStore, experiments: ExperimentStore) {
        self.engine = engine
        self.conversations = conversations
        self.experiments = experiments
    }
}
