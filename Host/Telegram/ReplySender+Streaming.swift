import Logging

extension ReplySender {
    /// Streams a reply: in a private chat as drafts (`sendMessageDraft`) replaced at most every
    /// `streamInterval`, then sent as messages; elsewhere as messages edited in place at most
    /// every `streamInterval`, a new message starting whenever the text outgrows one. A reply
    /// whose pieces end within `progressDelay` is sent whole, with no draft or edit before it.
    /// - Parameter buttons: in a private chat, called once the pieces end for the inline
    ///   buttons under the reply's last message.
    /// - Returns: the ids of the messages that hold the reply.
    @discardableResult
    public func stream(_ pieces: AsyncThrowingStream<String, any Error>, to chat: Chat, replyTo: Int64? = nil,
                       buttons: @Sendable () -> [[InlineButton]] = { [] }) async throws -> [Int64] {
        var reply = try await streamed(pieces, to: chat, replyTo: replyTo, buttons: buttons)
        try await deliver(&reply)
        return reply.messages
    }

    /// Shows a reply while its pieces come (drafts, or messages edited in place), and returns
    /// what is left to send once they end: the whole reply as messages in a private chat, the
    /// last edits and new parts elsewhere.
    ///
    /// A failed draft or edit on the way is logged and left for the next one: showing progress
    /// must not stop the reply being made (stopping it would make it again on the retry). A
    /// draft goes only when the chat has a slot free now, never waiting for one: it would hold
    /// the reply up, and a later draft (or the reply) shows the text anyway.
    func streamed(_ pieces: AsyncThrowingStream<String, any Error>, to chat: Chat, replyTo: Int64? = nil,
                  buttons: @Sendable () -> [[InlineButton]] = { [] }) async throws -> OutgoingReply {
        let clock = ContinuousClock()
        var text = ""
        // The first progress is shown once `progressDelay` has passed: a reply ready sooner goes at once.
        var lastFlush = clock.now + progressDelay - streamInterval
        var state = StreamState(draftID: chat.isPrivate ? Int64.random(in: 1...Int64(Int32.max)) : nil)
        for try await piece in pieces {
            text += piece
            if clock.now - lastFlush >= streamInterval {
                do {
                    // A draft skipped for want of a free slot is tried again at the next piece.
                    guard try await flush(text, chat: chat, replyTo: replyTo, state: &state) else { continue }
                } catch is CancellationError {
                    throw CancellationError()
                } catch {
                    logger.notice("could not show a reply's progress", metadata: ["error": "\(error)"])
                }
                lastFlush = clock.now
            }
        }
        if chat.isPrivate { return try outgoing(markdown: text, to: chat, replyTo: replyTo, buttons: buttons()) }
        // The last edit keeps to the interval too: its call waits for that, as a send, not the
        // making of the reply (which would show "typing…").
        if !state.messages.isEmpty { await scheduler.hold(chat: chat.id, until: lastFlush + streamInterval) }
        return remaining(text, chat: chat, replyTo: replyTo, state: state)
    }

    struct StreamState {
        let draftID: Int64?
        var messages: [Int64] = []
        var shown: [String] = []
    }

    /// The edits and new messages that make the shown messages say `text`.
    private func remaining(_ text: String, chat: Chat, replyTo: Int64?, state: StreamState) -> OutgoingReply {
        let parts = MessageSplitter.split(TelegramHTML.render(markdown: text))
        var unchanged: [Int64] = []
        var left: [OutgoingReply.Part] = []
        for (index, part) in parts.enumerated() {
            if index < state.messages.count {
                // Parts shown as they are need no call; they lead the reply's messages.
                if state.shown[index] == part, left.isEmpty { unchanged.append(state.messages[index]); continue }
                left.append(OutgoingReply.Part(html: part, edit: state.messages[index]))
            } else {
                left.append(OutgoingReply.Part(html: part, replyTo: index == 0 ? replyTo : nil))
            }
        }
        return OutgoingReply(chat: chat.id, parts: left, messages: unchanged)
    }

    /// Shows `text` so far; false when a draft was skipped for want of a free slot.
    private func flush(_ text: String, chat: Chat, replyTo: Int64?, state: inout StreamState) async throws -> Bool {
        let parts = MessageSplitter.split(TelegramHTML.render(markdown: text))
        guard let last = parts.last else { return true }
        if let draftID = state.draftID {
            // A draft shows the part being written; earlier parts are sent when the reply ends.
            return try await ifIdle(chat: chat.id, takesChatSlot: true) {
                try await client.sendMessageDraft(chat: chat.id, draftID: draftID, text: last, html: true)
            }
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
        return true
    }
}
