import Foundation
import MarketPluginAPI

/// The context of one call from the host: deadline, cancellation and who the call is for.
public struct CallContext {
    let raw: UnsafePointer<mk_call_t>?

    init(_ raw: UnsafePointer<mk_call_t>?) {
        self.raw = raw
    }

    /// True once the caller cancelled the call or its deadline passed.
    public var isCancelled: Bool {
        guard let raw, let check = raw.pointee.is_cancelled else { return false }
        return check(raw) != 0
    }

    /// Throws `.cancelled` (or `.timeout` past the deadline) when the call should stop.
    public func checkCancellation() throws {
        guard isCancelled else { return }
        if let deadline = deadlineNanoseconds, monotonicNanoseconds() >= deadline {
            throw PluginError(.timeout, "the call ran past its deadline")
        }
        throw PluginError(.cancelled, "the call was cancelled")
    }

    /// The deadline on CLOCK_MONOTONIC in nanoseconds, if the host set one.
    public var deadlineNanoseconds: UInt64? {
        guard let raw, raw.pointee.deadline_ns != 0 else { return nil }
        return raw.pointee.deadline_ns
    }

    /// Who the call is for: a JSON object with `tenant_id`, `conversation_id`, `user_id` when known.
    public var contextJSON: String {
        raw.map { $0.pointee.context_json.string } ?? "{}"
    }

    /// The raw call, to pass on to host services such as `market.http/1`.
    public var pointer: UnsafePointer<mk_call_t>? { raw }
}

/// Now on CLOCK_MONOTONIC, in nanoseconds, the clock of `mk_call_t.deadline_ns`.
public func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
