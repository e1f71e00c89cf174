import Dispatch
import Synchronization

/// The deadlines of every `CancellableTimer`, in one min-heap behind one dispatch timer source
/// armed for the earliest. Making a timer is a heap push and cancelling it a dictionary
/// removal; the source is set again only when a deadline comes before the one it is set for.
/// A source per timer cost two trips through dispatch's manager thread for each one made and
/// cancelled, three timers for each Telegram update.
final class TimerHeap: Sendable {
    static let shared = TimerHeap()

    private struct Registration {
        let handler: @Sendable () -> Void
        let queue: DispatchQueue
        /// Nanoseconds between firings of a repeating timer.
        let interval: UInt64?
    }

    private struct Entry {
        /// `DispatchTime.uptimeNanoseconds`.
        let deadline: UInt64
        let id: UInt64
    }

    private struct State {
        var nextID: UInt64 = 1
        var registrations: [UInt64: Registration] = [:]
        /// May hold entries of cancelled timers until they come to the top or are compacted away.
        var heap: [Entry] = []
        /// The deadline the source is set for, if any.
        var armed: UInt64?

        mutating func push(_ entry: Entry) {
            heap.append(entry)
            var child = heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard heap[child].deadline < heap[parent].deadline else { break }
                heap.swapAt(child, parent)
                child = parent
            }
        }

        mutating func popFirst() {
            heap.swapAt(0, heap.count - 1)
            heap.removeLast()
            siftDown(from: 0)
        }

        mutating func siftDown(from start: Int) {
            var parent = start
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count, heap[left].deadline < heap[smallest].deadline { smallest = left }
                if right < heap.count, heap[right].deadline < heap[smallest].deadline { smallest = right }
                guard smallest != parent else { return }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }

        /// Drops the entries of cancelled timers once they outnumber the live ones well.
        mutating func compactIfStale() {
            guard heap.count > 2 * registrations.count + 1024 else { return }
            heap.removeAll { registrations[$0.id] == nil }
            for index in stride(from: heap.count / 2, through: 0, by: -1) { siftDown(from: index) }
        }
    }

    /// Unchecked: a dispatch source is thread-safe.
    private struct Source: @unchecked Sendable { let timer: any DispatchSourceTimer }
    private let source: Source
    private let state = Mutex(State())

    private init() {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "market.timers"))
        timer.schedule(deadline: .distantFuture)
        source = Source(timer: timer)
        timer.setEventHandler { [unowned self] in fire() }
        timer.resume()
    }

    /// Registers a timer; its id is for `remove`.
    func add(after delay: UInt64, repeating interval: UInt64?, queue: DispatchQueue, handler: @escaping @Sendable () -> Void) -> UInt64 {
        let sum = DispatchTime.now().uptimeNanoseconds.addingReportingOverflow(delay)
        let deadline = sum.overflow ? UInt64.max : sum.partialValue
        return state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.registrations[id] = Registration(handler: handler, queue: queue, interval: interval.map { max(1, $0) })
            state.push(Entry(deadline: deadline, id: id))
            state.compactIfStale()
            // Set under the lock, so that two timers made at once cannot set it out of order.
            if state.armed.map({ deadline < $0 }) ?? true { arm(&state, for: deadline) }
            return id
        }
    }

    /// Forgets a timer: it does not fire again (a handler already running finishes).
    func remove(_ id: UInt64) {
        // Released outside the lock: what the handler holds may cancel timers of its own as it goes.
        let removed = state.withLock { $0.registrations.removeValue(forKey: id) }
        _ = removed
    }

    private func arm(_ state: inout State, for deadline: UInt64) {
        state.armed = deadline
        source.timer.schedule(deadline: deadline == .max ? .distantFuture : DispatchTime(uptimeNanoseconds: deadline))
    }

    /// Runs the handlers that are due, and sets the source for the next deadline.
    private func fire() {
        let now = DispatchTime.now().uptimeNanoseconds
        let due: [Registration] = state.withLock { state in
            var due: [Registration] = []
            while let first = state.heap.first, first.deadline <= now {
                state.popFirst()
                guard let registration = state.registrations[first.id] else { continue }
                due.append(registration)
                if let interval = registration.interval {
                    // A stalled process does not fire a repeating timer once for each interval it missed.
                    let next = first.deadline &+ interval
                    state.push(Entry(deadline: next > now ? next : now &+ interval, id: first.id))
                } else {
                    state.registrations[first.id] = nil
                }
            }
            while let first = state.heap.first, state.registrations[first.id] == nil { state.popFirst() }
            if let first = state.heap.first { arm(&state, for: first.deadline) } else { state.armed = nil }
            return due
        }
        for registration in due { registration.queue.async(execute: registration.handler) }
    }
}
