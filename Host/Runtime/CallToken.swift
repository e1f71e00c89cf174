import MarketPluginAPI
import PluginKit
import Synchronization

/// The host's side of `mk_call_t`: a cancel flag and a deadline the plugin can poll.
public final class CallToken: Sendable {
    private let cancelledFlag = Atomic<Bool>(false)
    /// CLOCK_MONOTONIC nanoseconds; 0 means none.
    public let deadlineNanoseconds: UInt64

    public init(deadlineNanoseconds: UInt64 = 0) {
        self.deadlineNanoseconds = deadlineNanoseconds
    }

    /// A token whose deadline is `timeout` from now.
    public convenience init(timeout: Duration?) {
        guard let timeout else {
            self.init()
            return
        }
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        self.init(deadlineNanoseconds: monotonicNanoseconds() + max(1, nanoseconds))
    }

    public func cancel() {
        cancelledFlag.store(true, ordering: .releasing)
    }

    public var isCancelled: Bool { cancelledFlag.load(ordering: .acquiring) }

    var isPastDeadline: Bool { deadlineNanoseconds != 0 && monotonicNanoseconds() >= deadlineNanoseconds }

    /// Runs `body` with an `mk_call_t` pointing at this token, valid only inside `body`.
    func withCall<Result>(context: String, _ body: (UnsafePointer<mk_call_t>) throws -> Result) rethrows -> Result {
        try withBorrowedString(context) { context in
            var call = mk_call_t(
                struct_size: UInt32(MemoryLayout<mk_call_t>.size),
                deadline_ns: deadlineNanoseconds,
                context_json: context,
                token: UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()),
                is_cancelled: { call in
                    guard let token = call?.pointee.token else { return 0 }
                    let owner = Unmanaged<CallToken>.fromOpaque(token).takeUnretainedValue()
                    return owner.isCancelled || owner.isPastDeadline ? 1 : 0
                }
            )
            return try withExtendedLifetime(self) { try body(&call) }
        }
    }
}
