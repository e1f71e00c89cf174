import MarketCore
import MarketPluginAPI
import PluginKit

/// What a plugin's `market.connection-test/1` found, step by step.
public struct ConnectionTestReport: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        /// `config`, `credentials` or `request` (a plugin may name others).
        public let step: String
        public let ok: Bool
        /// The plugin's words, quoting the service's error text; never a secret.
        public let detail: String
    }

    public let steps: [Step]

    /// Whether every step passed (and there was one).
    public var passed: Bool { !steps.isEmpty && steps.allSatisfy(\.ok) }

    public var json: JSONValue {
        .object(["passed": .bool(passed), "steps": .array(steps.map {
            .object(["step": .string($0.step), "ok": .bool($0.ok), "detail": .string($0.detail)])
        })])
    }

    /// Reads the plugin's report: a JSON array of `{"step", "ok", "detail"}`; nil otherwise.
    static func parse(_ text: String) -> ConnectionTestReport? {
        guard case .array(let entries)? = try? JSONValue(parsing: text) else { return nil }
        var steps: [Step] = []
        for entry in entries {
            guard case .string(let step)? = entry["step"], case .bool(let ok)? = entry["ok"] else { return nil }
            var detail = ""
            if case .string(let text)? = entry["detail"] { detail = String(text.prefix(2000)) }
            steps.append(Step(step: String(step.prefix(64)), ok: ok, detail: detail))
        }
        return ConnectionTestReport(steps: steps)
    }
}

extension PluginInstance {
    /// Whether the plugin can check its connection (`market.connection-test/1`, ABI 1.5).
    public var testsConnections: Bool { connectionTestTable != nil }

    /// Runs the plugin's connection test for this instance's tenant.
    /// - Throws: `CAPABILITY_MISSING` when the plugin offers no test; the call's failures
    ///   (timeout, the plugin's error) as other calls do; `INVALID_RESULT` for a report that is
    ///   not an array of steps.
    public func testConnection(timeout: Duration? = nil) async throws -> ConnectionTestReport {
        guard let test = connectionTestTable else {
            throw MarketError(.capabilityMissing, "\(pluginID) offers no connection test",
                              fix: "check the connection by using one of its tools; its author may add market.connection-test/1")
        }
        // The table is static data in a library that is never unloaded.
        let table = UncheckedSendable(test)
        let token = CallToken(timeout: timeout ?? limits.defaultTimeout)
        let what = "\(pluginID): connection test"
        return try await call(.tool, token: token, what: what) {
            let report = SinkBuffer(limit: self.limits.maximumResultBytes)
            let error = SinkBuffer(limit: self.limits.maximumErrorBytes)
            let status = try self.entered(token) {
                token.withCall(context: JSONValue.object(["tenant_id": .string(self.tenantID)]).jsonText) { call in
                    report.withSink { reportSink in error.withSink { table.value.pointee.test(self.handle, call, reportSink, $0) } }
                }
            }
            guard status == MK_OK else { throw self.failure(status, error, what, token: token) }
            guard !report.overflowed, let parsed = ConnectionTestReport.parse(report.string) else {
                throw MarketError(.invalidResult, "\(what) wrote a report that is not a JSON array of {step, ok, detail}",
                                  fix: "report to the plugin's author")
            }
            return parsed
        }
    }
}
