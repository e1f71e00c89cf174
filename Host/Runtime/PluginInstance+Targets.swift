import MarketCore
import MarketPluginAPI
import PluginKit

extension PluginInstance {
    /// Whether the plugin delivers to targets the host stores (`market.targets/1`).
    public var offersTargets: Bool { targetsTable != nil && library.manifest.kinds.contains(.targets) }

    /// Asks the plugin to check and complete a target before it is stored (`prepare`):
    /// `request` is `{"action", "settings", "current", "now", "overlap_seconds"}` as
    /// market/targets.h describes; the answer is `{"settings", "secrets"}`.
    public func prepareTarget(_ request: JSONValue, timeout: Duration? = nil) async throws -> (settings: JSONValue, secrets: JSONValue) {
        let table = try targets()
        let token = CallToken(timeout: timeout ?? limits.defaultTimeout)
        let what = "\(pluginID): prepare a target"
        let text = request.jsonText
        let context = JSONValue.object(["tenant_id": .string(tenantID)]).jsonText
        let answer: String = try await executor.run(token: token, what: what) {
            let out = SinkBuffer(limit: self.limits.maximumResultBytes)
            let error = SinkBuffer(limit: self.limits.maximumErrorBytes)
            let status = try self.entered(token) {
                token.withCall(context: context) { call in
                    withBorrowedString(text) { request in
                        out.withSink { outSink in error.withSink { table.value.pointee.prepare(self.handle, request, call, outSink, $0) } }
                    }
                }
            }
            guard status == MK_OK else { throw self.failure(status, error, what, token: token) }
            guard !out.overflowed else { throw MarketError(.resultTooLarge, "\(what) answered more than \(out.limit) bytes") }
            return out.string
        }
        guard case .object(let members)? = try? JSONValue(parsing: answer), case .object? = members["settings"] else {
            throw MarketError(.invalidResult, "\(what) answered \(answer.prefix(200).debugDescription), not {\"settings\":{…},\"secrets\":{…}}",
                              fix: "write {\"settings\":{…},\"secrets\":{…}} to the out sink")
        }
        let secrets = members["secrets"] ?? .object([:])
        guard case .object = secrets else {
            throw MarketError(.invalidResult, "\(what) answered secrets that are not a JSON object", fix: "write \"secrets\" as an object")
        }
        return (members["settings"]!, secrets)
    }

    /// Delivers `event` to one target (`deliver`) on the instance's thread. `target` is
    /// `{"id", "settings", "secrets", "attempt"}`. A plugin that fails the call is a `.retry`
    /// carrying the failure as its error, so the host's schedule decides what happens next.
    public func deliver(_ event: EventEnvelope, to target: JSONValue, timeout: Duration? = nil) async throws -> TargetOutcome {
        try await deliver(event, toTarget: target.jsonText, timeout: timeout)
    }

    /// `deliver(_:to:timeout:)` with the target object already written as JSON text.
    public func deliver(_ event: EventEnvelope, toTarget targetText: String, timeout: Duration? = nil) async throws -> TargetOutcome {
        let table = try targets()
        let token = CallToken(timeout: timeout ?? limits.defaultTimeout)
        let what = "\(pluginID): event \(event.type) to a target"
        let envelope = event.jsonText
        let context = JSONValue.object(["tenant_id": .string(event.tenantID), "conversation_id": event.conversationID.map(JSONValue.string) ?? .null]).jsonText
        return try await call(.target, token: token, what: what, outcome: PluginCallMetrics.Outcome.init) {
            let out = SinkBuffer(limit: self.limits.maximumErrorBytes)
            let status = try self.entered(token) {
                token.withCall(context: context) { call in
                    withBorrowedString(envelope) { envelope in
                        withBorrowedString(targetText) { target in out.withSink { table.value.pointee.deliver(self.handle, envelope, target, call, $0) } }
                    }
                }
            }
            guard status == MK_OK else {
                return TargetOutcome(verdict: .retry, error: "\(Status(code: status).description)\(out.string.isEmpty ? "" : ": \(out.string.prefix(500))")")
            }
            guard !out.overflowed else { throw MarketError(.resultTooLarge, "\(what) answered more than \(out.limit) bytes") }
            return try TargetOutcome(parsing: out.string, plugin: self.pluginID)
        }
    }

    private func targets() throws -> UncheckedSendable<UnsafePointer<mk_targets_v1_t>> {
        guard let table = targetsTable, library.manifest.kinds.contains(.targets) else {
            throw MarketError(.capabilityMissing, "\(pluginID) delivers to no targets", fix: "list \"targets\" in kinds and offer market.targets/1")
        }
        // The table is static data in a library that is never unloaded.
        return UncheckedSendable(table)
    }
}
