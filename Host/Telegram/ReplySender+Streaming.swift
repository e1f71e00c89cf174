import Logging

extension ReplySender {
    /// Streams a reply: in a private chat as drafts (`sendMessageDraft`) replaced at most every
    /// `streamInterval`, then sent as messages; elsewhere as messages edited in place at most
    /// every `streamInterval`, a new message starting whenever the text outgrows one.
    /// - Parameter buttons: in a private chat, called once the pieces end for the inline
    ///   buttons under the reply's last message.
    /// - Returns: the ids of the messages that hold the reply.
    @discardableResult
    public func stream(_ pieces: AsyncThrowingStream<String, any Error>, to chat: Chat, replyTo: Int64? = nil,
                       buttons: @Sendable () -> [[InlineButton]] = { [] }) async throws -> [Int64] {
        let clock = ContinuousClock()
        var text = ""
        var lastFlush = clock.now - streamInterval
        var state = StreamState(draftID: chat.isPrivate ? Int64.random(in: 1...Int64(Int32.max)) : nil)
        for try await piece in pieces {
            text += piece
            if clock.now - lastFlush >= streamInterval {
                try await flush(text, chat: chat, replyTo: replyTo, state: &state)
                lastFlush = clock.now
            }
        }
        if chat.isPrivate { return try await send(markdown: text, to: chat, replyTo: replyTo, buttons: buttons()) }
        // The last edit keeps to the interval too.
        if !state.messages.isEmpty { try await clock.sleep(until: lastFlush + streamInterval) }
        try await flush(text, chat: chat, replyTo: replyTo, state: &state)
        return state.messages
    }

    struct StreamState {
        let draftID: Int64?
        var messages: [Int64] = []
        var shown: [String] = []
    }

    private func flush(_ text: String, chat: Chat, replyTo: Int64?, state: inout StreamState) async throws {
        let parts = MessageSplitter.split(TelegramHTML.render(markdown: text))
        guard let last = parts.last else { return }
        if let draftID = state.draftID {
            // A draft shows the part being written; earlier parts are sent when the reply ends.
            try await paced(chat: chat.id) { try await client.sendMessageDraft(chat: chat.id, draftID: draftID, text: last, html: true) }
            return
        }
        for (index, part) in parts.enumerated() {
            if index < state.messages.count {
                guard state.shown[index] != part else { continue }
                try await editPart(part, chat: chat.id, message: state.messages[index])
                state.shown[index] = part
            } else {
                state.messages.append(try await sendPart(part, chat: chat.id, replyTo: index == 0 ? replyTo : nil))
                state.shown.append(part)
            }
        }
    }
}
