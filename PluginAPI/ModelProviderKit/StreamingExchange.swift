import Foundation
import PluginKit

/// One HTTP exchange with a model server that answers with server-sent events when streaming.
public enum StreamingExchange {
    public struct Outcome {
        public let response: HTTPResponse
        /// The body as received (capped): the answer when not streaming, an error's text otherwise.
        public let body: [UInt8]
        /// Whether any delta reached the caller; a failed exchange is then not repeated.
        public let streamed: Bool
    }

    /// Sends `request`; when `streaming`, each SSE event's JSON goes to `onEvent`, which returns
    /// whether it sent a delta on. A connection failure before anything was streamed becomes a
    /// `RetryableFailure`.
    ///
    /// `recognise`, when given, sees each event's raw data first and returns whether it sent a
    /// delta on, or nil when it did not handle the event, which is then parsed and given to
    /// `onEvent`. It is the fast path for the commonest event (see ``ContentDelta``), which then
    /// costs no Foundation objects.
    public static func perform(_ request: HTTPRequest, host: PluginHost, context: CallContext, streaming: Bool,
                               recognise: ((UnsafeBufferPointer<UInt8>) throws -> Bool?)? = nil,
                               onEvent: ([String: Any]) throws -> Bool) throws -> Outcome {
        var events = ServerSentEvents()
        var raw: [UInt8] = []
        let keep = streaming ? 64 << 10 : 8 << 20
        var streamed = false
        var failure: (any Error)?
        let response: HTTPResponse
        do {
            // fetch's chunk handler is optional and so formally escaping; it runs only during fetch.
            response = try withoutActuallyEscaping(onEvent) { onEvent in try host.fetch(request, context: context) { chunk in
                raw.append(contentsOf: chunk.prefix(max(0, keep - raw.count)))
                guard streaming else { return }
                for var data in events.feed(chunk) where data != "[DONE]" {
                    do {
                        if let recognise, let sent = try data.withUTF8({ try recognise($0) }) {
                            if sent { streamed = true }
                            continue
                        }
                        guard let event = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] else { continue }
                        if try onEvent(event) { streamed = true }
                    } catch {
                        failure = error
                        throw error
                    }
                }
            } }
        } catch let error as PluginError where failure == nil && !streamed && (error.status == .unavailable || error.status == .timeout) {
            throw RetryableFailure(error)
        }
        if let failure { throw failure }
        return Outcome(response: response, body: raw, streamed: streamed)
    }
}
