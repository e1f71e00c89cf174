/// What the engine streams to a channel while it answers.
public enum ReplyChunk: Sendable, Equatable {
    /// A piece of the reply's text, as the model streams it.
    case text(String)
    /// A line for the user beside the reply: a tool that failed, a step limit reached.
    case notice(String)
}

/// The finished answer to one message.
public struct Reply: Sendable, Equatable {
    public let conversationID: String
    /// The reply's whole text (what was streamed, or the command's answer).
    public let text: String
    /// The notices streamed beside it.
    public let notices: [String]
    /// Model calls made for this reply (0 for slash commands).
    public let steps: Int
    /// The assignment in force, if the tenant runs an experiment.
    public let assignment: Assignment?
}
