/// What a target did with a delivered event. Core type: the plugin runtime returns it and the
/// store's delivery workers record it, and neither depends on the other.
public enum EventDeliveryOutcome: Sendable, Equatable {
    case acknowledged
    /// Deliver again later; the message is the plugin's.
    case retryLater(String)
    /// Dead-letter at once; the message is the plugin's.
    case rejected(String)
}
