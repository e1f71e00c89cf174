/// What a `market.targets/1` plugin reports after delivering one event to one target. Core
/// type: the plugin runtime returns it and the store's delivery workers record it, and neither
/// depends on the other.
public struct TargetOutcome: Sendable, Equatable {
    public enum Verdict: String, Sendable {
        /// The destination accepted the event.
        case delivered
        /// Try again on the host's schedule (or after `retryAfter`, pausing the whole target).
        case retry
        /// Dead at once: trying again cannot help.
        case failed
        /// The destination is gone (an HTTP 410, say): the target is disabled and its messages wait.
        case disableTarget = "disable_target"
    }

    public var verdict: Verdict
    /// The pause the destination asked for (`Retry-After`), in seconds; only with `.retry`.
    public var retryAfterSeconds: Int?
    /// The destination's answer, for the attempt log.
    public var status: Int?
    public var durationMilliseconds: Int?
    /// The first KiB of the destination's response body.
    public var response: String?
    public var error: String?

    public init(verdict: Verdict, retryAfterSeconds: Int? = nil, status: Int? = nil, durationMilliseconds: Int? = nil,
                response: String? = nil, error: String? = nil) {
        self.verdict = verdict
        self.retryAfterSeconds = retryAfterSeconds
        self.status = status
        self.durationMilliseconds = durationMilliseconds
        self.response = response
        self.error = error
    }

    /// The bytes of `response` kept in the attempt log.
    public static let responseLimit = 1024

    /// Reads the plugin's outcome object; anything else is a named error.
    public init(parsing text: String, plugin: String) throws {
        guard case .object(let members)? = try? JSONValue(parsing: text), case .string(let name)? = members["outcome"],
              let verdict = Verdict(rawValue: name) else {
            throw MarketError(.invalidResult, "\(plugin) answered a delivery with \(text.prefix(200).debugDescription), not an outcome object",
                              fix: "write {\"outcome\":\"delivered\"|\"retry\"|\"failed\"|\"disable_target\", …} to the outcome sink")
        }
        func integer(_ key: String) -> Int? {
            // Either kind of number: `3` parses as an integer, `3.0` as a double.
            guard let value = members[key]?.doubleValue, value.isFinite, value >= 0, value < 1e12 else { return nil }
            return Int(value)
        }
        func string(_ key: String) -> String? {
            guard case .string(let value)? = members[key] else { return nil }
            return value
        }
        self.init(verdict: verdict, retryAfterSeconds: verdict == .retry ? integer("retry_after_seconds") : nil,
                  status: integer("status"), durationMilliseconds: integer("duration_ms"),
                  response: string("response").map { String(decoding: $0.utf8.prefix(Self.responseLimit), as: UTF8.self) },
                  error: string("error"))
    }
}
