import Foundation
import MarketCore

/// A stored delivery target (market.targets/1): one destination of one (tenant, plugin), such
/// as a webhook endpoint. Its secrets are never part of it; `EventTargets.secrets(of:)` opens them.
public struct EventTarget: Sendable, Equatable {
    /// `tgt_` and 24 hex digits.
    public let id: String
    public let tenantID: String
    public let pluginID: String
    public let description: String
    /// Event type patterns (`lead.created`, `lead.*`, `*`).
    public let patterns: [String]
    public let enabled: Bool
    /// Messages per second; nil is no limit.
    public let ratePerSecond: Int?
    /// Whether events of one conversation reach it one at a time, in order.
    public let ordered: Bool
    /// The plugin's public settings for it (a JSON object).
    public let settings: JSONValue
    /// Why it was disabled (an HTTP 410, failing for days, an operator), while it is.
    public let disabledReason: String?
    /// Failures in a row, since when it fails without a success, and until when it is paused.
    public let consecutiveFailures: Int
    public let failingSince: Date?
    public let pausedUntil: Date?
    public let createdAt: Date
    public let updatedAt: Date

    /// The target as JSON for the CLI and the API, secrets never included.
    public var json: JSONValue {
        func date(_ value: Date?) -> JSONValue { value.map { .string(Timestamp.format($0)) } ?? .null }
        return .object([
            "id": .string(id), "tenant_id": .string(tenantID), "plugin": .string(pluginID), "description": .string(description),
            "types": .array(patterns.map(JSONValue.string)), "enabled": .bool(enabled),
            "rate_per_second": ratePerSecond.map { .integer(Int64($0)) } ?? .null, "ordered": .bool(ordered), "settings": settings,
            "disabled_reason": disabledReason.map(JSONValue.string) ?? .null, "consecutive_failures": .integer(Int64(consecutiveFailures)),
            "failing_since": date(failingSince), "paused_until": date(pausedUntil),
            "created_at": date(createdAt), "updated_at": date(updatedAt),
        ])
    }
}

/// One attempt at delivering an event to a target, as the attempt log keeps it.
public struct DeliveryAttempt: Sendable, Equatable {
    public let eventID: String
    public let targetID: String
    /// 1 for the first; an attempt given back (a pause, a disabled target) is numbered again.
    public let attempt: Int
    public let at: Date
    /// The plugin's verdict: delivered, retry, failed, disable_target.
    public let outcome: String
    /// The destination's HTTP status, when it answered.
    public let status: Int?
    public let durationMilliseconds: Int?
    /// The first KiB of the destination's answer.
    public let response: String?
    public let error: String?

    public var json: JSONValue {
        .object([
            "event_id": .string(eventID), "target_id": .string(targetID), "attempt": .integer(Int64(attempt)), "at": .string(Timestamp.format(at)),
            "outcome": .string(outcome), "status": status.map { .integer(Int64($0)) } ?? .null,
            "duration_ms": durationMilliseconds.map { .integer(Int64($0)) } ?? .null,
            "response": response.map(JSONValue.string) ?? .null, "error": error.map(JSONValue.string) ?? .null,
        ])
    }
}
