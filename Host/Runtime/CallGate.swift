import Foundation

/// The door into a plugin instance: lets one call at a time through for a serial plugin (or
/// any number for a concurrent one), counts the calls inside, and once closed lets none in and
/// lets `drain` wait for the last one to leave (or `whenDrained` be told when it has).
final class CallGate: @unchecked Sendable {
    // @unchecked: all state is guarded by `condition`.
    private let condition = NSCondition()
    private let serial: Bool
    private var inside = 0
    private var closed = false
    private var drained: [@Sendable () -> Void] = []

    init(serial: Bool) {
        self.serial = serial
    }

    /// Runs `body` inside the gate; `nil` when the gate is closed.
    func pass<Result>(_ body: () throws -> Result) throws -> Result? {
        condition.lock()
        while serial && inside > 0 && !closed { condition.wait() }
        guard !closed else {
            condition.unlock()
            return nil
        }
        inside += 1
        condition.unlock()
        defer {
            condition.lock()
            inside -= 1
            condition.broadcast()
            let waiting = closed && inside == 0 ? drained : []
            if !waiting.isEmpty { drained = [] }
            condition.unlock()
            // Outside the lock: an action may enter other gates or schedule work.
            waiting.forEach { $0() }
        }
        return try body()
    }

    /// Closes the gate; false if it was already closed.
    func close() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        closed = true
        condition.broadcast()
        return true
    }

    /// Runs `action` once every call inside has returned: at once (on this thread) when none
    /// is inside, otherwise on the thread of the last call to leave. Only after `close`.
    func whenDrained(_ action: @escaping @Sendable () -> Void) {
        condition.lock()
        let now = inside == 0
        if !now { drained.append(action) }
        condition.unlock()
        if now { action() }
    }

    /// Blocks until every call inside has returned. Only after `close`.
    func drain() {
        condition.lock()
        while inside > 0 { condition.wait() }
        condition.unlock()
    }
}
