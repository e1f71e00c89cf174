import MarketCore
import Synchronization

/// A signal a waiting loop can sleep on: `signal()` wakes the waiter at once (or the next one,
/// when nobody waits), `wait(upTo:)` returns at the latest after the given time.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())

    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// One waiter at a time.
    func wait(upTo timeout: Duration) async {
        let generation: UInt64? = state.withLock { state in
            if state.pending {
                state.pending = false
                return nil
            }
            state.generation += 1
            return state.generation
        }
        guard let generation else { return }
        // A timer rather than a sleeping task: see CancellableTimer.
        let timer = CancellableTimer(after: timeout) { [weak self] in self?.fire(generation) }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow: Bool = state.withLock { state in
                    guard state.generation == generation, !state.pending else {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            fire(generation)
        }
        timer.cancel()
    }

    private func fire(_ generation: UInt64) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard state.generation == generation, let waiter = state.waiter else {
                if state.generation == generation { state.pending = true }
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}
