import MarketCore
import MarketPluginAPI
import PluginKit

extension PluginInstance {
    /// Whether the manifest subscribes this plugin to events of `type`.
    public func subscribes(to type: String) -> Bool {
        eventsTable != nil && library.manifest.permissions.events.subscribe.contains { EventTypePattern($0)?.matches(type) == true }
    }

    /// Delivers `event` (`market.events/1` handle) on the instance's thread.
    public func deliver(_ event: EventEnvelope, timeout: Duration? = nil) async throws -> EventDeliveryOutcome {
        guard let events = eventsTable else {
            throw MarketError(.capabilityMissing, "\(pluginID) receives no events", fix: "deliver events to plugins whose kinds include \"events\"")
        }
        // The table is static data in a library that is never unloaded.
        let table = UncheckedSendable(events)
        let token = CallToken(timeout: timeout ?? limits.defaultTimeout)
        let envelope = event.jsonText
        let context = JSONValue.object(["tenant_id": .string(event.tenantID), "conversation_id": event.conversationID.map(JSONValue.string) ?? .null]).jsonText
        return try await call(.event, token: token, what: "\(pluginID): event \(event.type)", outcome: PluginCallMetrics.Outcome.init) {
            let error = SinkBuffer(limit: self.limits.maximumErrorBytes)
            let status = try self.entered(token) {
                token.withCall(context: context) { call in
                    withBorrowedString(envelope) { envelope in error.withSink { table.value.pointee.handle(self.handle, envelope, call, $0) } }
                }
            }
            switch status {
            case MK_OK: return .acknowledged
            case MK_ERR_REJECTED: return .rejected(error.string)
            default: return .retryLater(error.string.isEmpty ? Status(code: status).description : error.string)
            }
        }
    }
}
