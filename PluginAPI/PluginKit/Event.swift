import Foundation
import MarketPluginAPI

/// One delivered event (the envelope of market/events.h).
public struct Event: Sendable {
    public let id: String
    public let type: String
    public let timestamp: String
    public let tenantID: String
    public let conversationID: String?
    /// The whole envelope, as received.
    public let envelope: [UInt8]

    private struct Header: Decodable {
        let id: String
        let type: String
        let timestamp: String
        let tenant_id: String
        let conversation_id: String?
    }

    private struct Payload<Data: Decodable>: Decodable {
        let data: Data
    }

    init(envelope: [UInt8]) throws {
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(envelope))
        } catch {
            throw PluginError(.rejected, "the event envelope is malformed: \(Tool.explain(error))")
        }
        id = header.id
        type = header.type
        timestamp = header.timestamp
        tenantID = header.tenant_id
        conversationID = header.conversation_id
        self.envelope = envelope
    }

    /// Decodes the event's `data` object.
    public func data<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(Payload<T>.self, from: Data(envelope)).data
    }
}

/// What a handler did with an event.
public enum EventOutcome: Sendable {
    /// Handled; do not deliver again.
    case acknowledged
    /// Not handled now; deliver again on the retry schedule.
    case retryLater
    /// Will never be handled; dead-letter it.
    case rejected
}

/// Where a model plugin streams its deltas.
public struct DeltaStream {
    let sink: UnsafeMutablePointer<mk_sink_t>

    /// Sends one delta object (JSON). Throws `.cancelled` when the host no longer wants more.
    public func send(_ delta: some Collection<UInt8>) throws {
        let status = write(delta, to: sink)
        guard status == .ok else { throw PluginError(status == .tooLarge ? .tooLarge : .cancelled, "the host stopped the stream") }
    }
}
