extension ConversationEngine {
    /// Answers `text` like `respond`, as a sequence: the reply's chunks as they are made, then
    /// the end (or the error `respond` would throw). Cancelling the consuming task cancels the
    /// reply, and with it the model call in flight.
    public func replyStream(to text: String, from address: ChatAddress, tenant: String) -> AsyncThrowingStream<ReplyChunk, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await respond(to: text, from: address, tenant: tenant) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
