import MarketCore
import Synchronization

/// Wakes waiting loops (the delivery workers, the plugin reconciler) when a notification
/// arrives. A signal with nobody waiting is kept for the next waiter, so a notification between
/// two passes is not lost.
public final class WakeSignal: Sendable {
    private enum Slot {
        case armed
        case waiting(CheckedContinuation<Void, Never>)
    }

    private struct State {
        var pending = false
        var slots: [UInt64: Slot] = [:]
        /// Waiters woken before they stored their continuation.
        var woken: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes every waiter, or the next one when none waits.
    public func signal() {
        let continuations: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard !state.slots.isEmpty else {
                state.pending = true
                return []
            }
            var ready: [CheckedContinuation<Void, Never>] = []
            for (id, slot) in state.slots {
                switch slot {
                case .armed: state.woken.insert(id)
                case .waiting(let continuation): ready.append(continuation)
                }
            }
            state.slots = [:]
            return ready
        }
        continuations.forEach { $0.resume() }
    }

    /// Returns at the next signal (at once if one is pending), after `timeout`, or when the
    /// task is cancelled.
    public func wait(timeout: Duration) async {
        let id: UInt64? = state.withLock { state in
            if state.pending {
                state.pending = false
                return nil
            }
            state.nextID += 1
            state.slots[state.nextID] = .armed
            return state.nextID
        }
        guard let id else { return }
        // A timer rather than a sleeping task: see CancellableTimer.
        let timer = CancellableTimer(after: timeout) { [self] in wake(id) }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if state.woken.remove(id) != nil { return true }
                    state.slots[id] = .waiting(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            wake(id)
        }
        timer.cancel()
    }

    /// Wakes one waiter (its timeout, or its task's cancellation).
    private func wake(_ id: UInt64) {
        let continuation: CheckedContinuation<Void, Never>? = state.withLock { state in
            switch state.slots.removeValue(forKey: id) {
            case .waiting(let continuation)?: return continuation
            case .armed?:
                state.woken.insert(id)
                return nil
            case nil: return nil
            }
        }
        continuation?.resume()
    }
}
