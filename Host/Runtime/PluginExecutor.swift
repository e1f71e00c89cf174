import Dispatch
import MarketCore
import NIOPosix
import PluginKit
import Synchronization

/// Runs plugin calls on dedicated threads, never on Swift's cooperative pool: one thread for
/// a serial instance, a shared pool for concurrent ones.
///
/// A call that outlives its deadline or is cancelled returns to its caller at once with
/// `TIMEOUT` or `CANCELLED`; the plugin sees the same through `mk_call_t` and its thread is
/// busy until the plugin returns. (A plugin that never returns needs the runner process.)
public final class PluginExecutor: Sendable {
    private let pool: NIOThreadPool
    /// Deadline timers fire on a queue of their own, so busy global queues cannot delay them.
    private static let deadlines = DispatchQueue(label: "market.plugin-deadlines")

    public init(threads: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    func run<T: Sendable>(token: CallToken, what: @autoclosure () -> String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let outcome = Outcome<T>()
        let description = what()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                outcome.attach(continuation)
                pool.submit { state in
                    guard case .active = state else {
                        outcome.finish(.failure(MarketError(.instanceClosed, "\(description): the plugin's threads have stopped")))
                        return
                    }
                    outcome.finish(Result { try work() })
                }
                guard token.deadlineNanoseconds != 0 else { return }
                let now = monotonicNanoseconds()
                let delay = token.deadlineNanoseconds > now ? token.deadlineNanoseconds - now : 0
                // Not a work item after a delay: a cancelled one stays queued, with the finished
                // call it holds, until its deadline.
                let timer = CancellableTimer(after: .nanoseconds(Int64(min(delay, UInt64(Int64.max)))), queue: Self.deadlines) {
                    token.cancel()
                    outcome.finish(.failure(MarketError(.timeout, "\(description) ran past its deadline", fix: "raise the timeout, or make the plugin check mk_call_t for its deadline")))
                }
                outcome.onFinish { timer.cancel() }
            }
        } onCancel: {
            token.cancel()
            outcome.finish(.failure(MarketError(.cancelled, "\(description) was cancelled")))
        }
    }

    /// Stops the threads once they finish the work in hand, and waits for that.
    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    /// Stops the threads once they finish the work in hand, without waiting: for when that
    /// work is a call past its deadline that may never return.
    func stopWhenIdle() {
        pool.shutdownGracefully { _ in }
    }
}

/// Resumes a continuation exactly once, with whichever of result, deadline or cancellation
/// comes first; a result that arrives before the continuation is attached is kept for it.
private final class Outcome<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var delivered = false
        var cleanups: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    func attach(_ continuation: CheckedContinuation<T, any Error>) {
        let ready: Result<T, any Error>? = state.withLock { state in
            guard let result = state.result, !state.delivered else {
                state.continuation = continuation
                return nil
            }
            state.delivered = true
            return result
        }
        if let ready { continuation.resume(with: ready) }
    }

    func onFinish(_ cleanup: @escaping @Sendable () -> Void) {
        let finished = state.withLock { state in
            if state.result == nil { state.cleanups.append(cleanup) }
            return state.result != nil
        }
        if finished { cleanup() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, cleanups): (CheckedContinuation<T, any Error>?, [@Sendable () -> Void]) = state.withLock { state in
            guard state.result == nil else { return (nil, []) }
            state.result = result
            let cleanups = state.cleanups
            state.cleanups = []
            guard let continuation = state.continuation, !state.delivered else { return (nil, cleanups) }
            state.delivered = true
            return (continuation, cleanups)
        }
        cleanups.forEach { $0() }
        continuation?.resume(with: result)
    }
}
