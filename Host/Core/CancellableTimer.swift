import Dispatch

/// Runs a handler after a delay, and again at an interval if asked, until cancelled. Cancelling
/// lets go of the handler and what it holds at once. A sleeping task does not: on Linux a
/// cancelled `Task.sleep` keeps its timer, and the task with it, until the sleep would have
/// ended, so a task per request sleeping for seconds kept thousands of finished requests alive
/// under load.
public final class CancellableTimer: Sendable {
    /// Dispatch sources are thread-safe; the box only tells the compiler so.
    private struct Source: @unchecked Sendable { let value: any DispatchSourceTimer }
    private let source: Source

    /// Starts the timer: `handler` runs on `queue` after `delay`, then every `interval` if one is given.
    public init(after delay: Duration, repeating interval: Duration? = nil, queue: DispatchQueue = .global(),
                _ handler: @escaping @Sendable () -> Void) {
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.setEventHandler(handler: handler)
        timer.schedule(deadline: .now() + Self.dispatch(delay), repeating: interval.map(Self.dispatch) ?? .never)
        // Activated at once: dispatch refuses to release a source that never was.
        timer.resume()
        source = Source(value: timer)
    }

    /// Stops the timer; a handler already running finishes.
    public func cancel() { source.value.cancel() }

    deinit { source.value.cancel() }

    private static func dispatch(_ duration: Duration) -> DispatchTimeInterval {
        .nanoseconds(Int(min(max(0, duration.inSeconds * 1e9), Double(Int.max / 2))))
    }
}
