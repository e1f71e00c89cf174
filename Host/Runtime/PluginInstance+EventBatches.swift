import MarketCore
import MarketPluginAPI
import PluginKit

extension PluginInstance {
    /// Whether the plugin takes several events in one call (`market.event-batches/1`).
    public var takesEventBatches: Bool { eventBatchesTable != nil }

    /// Delivers `events` in one `handle_batch` call; one outcome per event, in order. A call that
    /// fails as a whole (a status other than MK_OK, or results that are not one entry per event)
    /// retries them all. Callers ask `takesEventBatches` first (see `HostedDeliveryTarget`).
    public func deliver(batch events: [EventEnvelope], timeout: Duration? = nil) async throws -> [EventDeliveryOutcome] {
        guard !events.isEmpty else { return [] }
        guard let batches = eventBatchesTable else {
            throw MarketError(.capabilityMissing, "\(pluginID) takes no event batches",
                              fix: "deliver its events one at a time, or offer market.event-batches/1")
        }
        let table = UncheckedSendable(batches)
        let token = CallToken(timeout: timeout ?? limits.defaultTimeout)
        let envelopes = "[" + events.map(\.jsonText).joined(separator: ",") + "]"
        let first = events[0]
        let context = JSONValue.object(["tenant_id": .string(first.tenantID), "conversation_id": .null]).jsonText
        let what = "\(pluginID): \(events.count) events"
        // One call, counted by its worst outcome.
        return try await call(.event, token: token, what: what, outcome: { outcomes in outcomes.map { PluginCallMetrics.Outcome($0) }.max() ?? .ok }) {
            // Each entry is about 40 bytes; errors add their text.
            let out = SinkBuffer(limit: max(self.limits.maximumResultBytes, events.count * 600))
            let error = SinkBuffer(limit: self.limits.maximumErrorBytes)
            let status = try self.entered(token) {
                token.withCall(context: context) { call in
                    withBorrowedString(envelopes) { envelopes in
                        out.withSink { results in error.withSink { table.value.pointee.handle_batch(self.handle, envelopes, call, results, $0) } }
                    }
                }
            }
            guard status == MK_OK else {
                let reason = error.string.isEmpty ? Status(code: status).description : error.string
                return Array(repeating: .retryLater(reason), count: events.count)
            }
            guard !out.overflowed, let outcomes = Self.batchOutcomes(out.string, count: events.count) else {
                let reason = "\(self.pluginID) answered a batch of \(events.count) events without one outcome per event"
                return Array(repeating: .retryLater(reason), count: events.count)
            }
            return outcomes
        }
    }

    /// Reads `[{"outcome":"acknowledged"|"retry"|"rejected","error":…}, …]`; nil unless it is
    /// exactly `count` such entries.
    static func batchOutcomes(_ text: String, count: Int) -> [EventDeliveryOutcome]? {
        guard case .array(let entries)? = try? JSONValue(parsing: text), entries.count == count else { return nil }
        var outcomes: [EventDeliveryOutcome] = []
        outcomes.reserveCapacity(count)
        for entry in entries {
            var error = ""
            if case .string(let text)? = entry["error"] { error = text }
            guard case .string(let outcome)? = entry["outcome"] else { return nil }
            switch outcome {
            case "acknowledged": outcomes.append(.acknowledged)
            case "retry": outcomes.append(.retryLater(error.isEmpty ? "the plugin asked to retry later" : error))
            case "rejected": outcomes.append(.rejected(error))
            default: return nil
            }
        }
        return outcomes
    }
}
