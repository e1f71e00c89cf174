import Foundation
import PluginKit

/// One Market event as one Amplitude event (HTTP V2's event object), encoded once:
///
///     {"event_type": type, "insert_id": id, "time": ms since epoch, "user_id" | "device_id",
///      "event_properties": {<data's members>, "tenant_id", "conversation_id"},
///      "user_properties": {"experiment_<id>": variant}}
///
/// The host's properties are set after data's, so an event's data cannot overwrite them.
struct AmplitudeEvent {
    /// Amplitude drops larger events.
    static let maximumBytes = 1024 * 1024

    /// The event as JSON.
    let json: [UInt8]
    /// Who Amplitude counts it for, to match its 429 answer's daily quota lists.
    let userID: String?
    let deviceID: String?

    /// Why an event cannot be sent; it is rejected, never retried.
    struct Refusal: Error {
        let message: String
        var tooLarge = false
        var bytes = 0
    }

    init(_ event: Event) throws {
        guard let envelope = try? JSONSerialization.jsonObject(with: Data(event.envelope)) as? [String: Any],
              let data = envelope["data"] as? [String: Any] else {
            throw Refusal(message: "the envelope has no data object")
        }
        guard let time = EventTime.milliseconds(event.timestamp) else {
            throw Refusal(message: "the event's timestamp '\(event.timestamp)' is not RFC 3339")
        }
        var object: [String: Any] = ["event_type": event.type, "insert_id": event.id, "time": time]
        // Amplitude needs a user or a device: a chat user's events are theirs; the others
        // belong to their conversation, else to the tenant.
        if let user = data["user_id"] as? String, !user.isEmpty {
            userID = user
            object["user_id"] = user
            deviceID = nil
        } else {
            userID = nil
            deviceID = event.conversationID.map { "conversation:\($0)" } ?? "tenant:\(event.tenantID)"
            object["device_id"] = deviceID
        }
        var properties = data
        properties["tenant_id"] = event.tenantID
        properties["conversation_id"] = event.conversationID ?? NSNull()
        object["event_properties"] = properties
        if let experiment = envelope["experiment"] as? [String: Any], let id = experiment["id"] as? String,
           let variant = experiment["variant"] as? String {
            object["user_properties"] = ["experiment_\(id)": variant]
        }
        let json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])
        } catch {
            throw Refusal(message: "the event's data cannot be written as JSON: \(error)")
        }
        guard json.count <= Self.maximumBytes else {
            throw Refusal(message: "the event is over 1 MB as an Amplitude event (\(json.count) bytes), which Amplitude drops: not sent",
                          tooLarge: true, bytes: json.count)
        }
        self.json = Array(json)
    }
}
