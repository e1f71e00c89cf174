/// One step of a connection test (`market.connection-test/1`): `config`, `credentials`,
/// `request` (or a name of the plugin's own), whether it passed, and the service's own words.
public struct ConnectionTestStep: Sendable, Equatable {
    public var step: String
    public var ok: Bool
    /// Quote the service's error text here; never a token, key or secret.
    public var detail: String

    public init(_ step: String, ok: Bool, detail: String) {
        self.step = step
        self.ok = ok
        self.detail = detail
    }

    /// The report the host reads: a JSON array of `{"step", "ok", "detail"}`.
    static func reportJSON(_ steps: [ConnectionTestStep]) -> [UInt8] {
        var out = Array("[".utf8)
        for (index, step) in steps.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += Array(#"{"step":"#.utf8) + DeliveryOutcome.quoted(step.step) + Array(#","ok":\#(step.ok),"detail":"#.utf8)
                + DeliveryOutcome.quoted(step.detail) + [UInt8(ascii: "}")]
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}
