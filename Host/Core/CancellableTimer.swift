import Dispatch

/// Runs a handler after a delay, and again at an interval if asked, until cancelled. Cancelling
/// lets go of the handler and what it holds at once. A sleeping task does not: on Linux a
/// cancelled `Task.sleep` keeps its timer, and the task with it, until the sleep would have
/// ended, so a task per request sleeping for seconds kept thousands of finished requests alive
/// under load.
///
/// Timers share one thread and heap (`TimerHeap`): a server makes and cancels several for each
/// request, most of which never fire.
public final class CancellableTimer: Sendable {
    private let id: UInt64

    /// Starts the timer: `handler` runs on `queue` after `delay`, then every `interval` if one is given.
    public init(after delay: Duration, repeating interval: Duration? = nil, queue: DispatchQueue = .global(),
                _ handler: @escaping @Sendable () -> Void) {
        id = TimerHeap.shared.add(after: Self.nanoseconds(delay), repeating: interval.map(Self.nanoseconds), queue: queue, handler: handler)
    }

    /// Stops the timer; a handler already running finishes.
    public func cancel() { TimerHeap.shared.remove(id) }

    deinit { cancel() }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        UInt64(min(max(0, duration.inSeconds * 1e9), Double(UInt64.max / 2)))
    }
}
