import CSpawn // Where sigset_t's initialiser is declared in release builds (MemberImportVisibility).
import Dispatch
import Foundation
import Glibc
// Where Glibc's `timespec` members are declared in release builds (MemberImportVisibility).
#if canImport(SwiftOverlayShims)
import SwiftOverlayShims
#endif

/// The deadlines of every `CancellableTimer`, in one min-heap watched by one thread that sleeps
/// until the earliest. Making a timer is a heap push and cancelling it a dictionary removal; the
/// thread is woken only when a deadline comes before the one it sleeps for. A dispatch source per
/// timer cost two trips through dispatch's manager thread for each one made and cancelled, three
/// timers for each Telegram update.
final class TimerHeap: @unchecked Sendable {
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

        /// Pops the timers due at `now`, putting repeating ones back for their next firing.
        mutating func takeDue(now: UInt64) -> [Registration] {
            var due: [Registration] = []
            while let first = heap.first, first.deadline <= now {
                popFirst()
                guard let registration = registrations[first.id] else { continue }
                due.append(registration)
                if let interval = registration.interval {
                    // A stalled process does not fire a repeating timer once for each interval it missed.
                    let next = first.deadline &+ interval
                    push(Entry(deadline: next > now ? next : now &+ interval, id: first.id))
                } else {
                    registrations[first.id] = nil
                }
            }
            while let first = heap.first, registrations[first.id] == nil { popFirst() }
            return due
        }

        /// Drops the entries of cancelled timers once they outnumber the live ones well.
        mutating func compactIfStale() {
            guard heap.count > 2 * registrations.count + 1024 else { return }
            heap.removeAll { registrations[$0.id] == nil }
            for index in stride(from: heap.count / 2, through: 0, by: -1) { siftDown(from: index) }
        }
    }

    /// The state and the condition the timer thread sleeps on, until the earliest deadline or
    /// until a timer made sooner wakes it. A thread of its own rather than a dispatch timer
    /// source re-armed from every `add`: what wakes it and when is then all in this file.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private nonisolated(unsafe) var state = State()

    private init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(wake, &attributes)
        pthread_condattr_destroy(&attributes)
        var thread = pthread_t()
        let started = pthread_create(&thread, nil, { context in
            Unmanaged<TimerHeap>.fromOpaque(context!).takeUnretainedValue().run()
            return nil
        }, Unmanaged.passUnretained(self).toOpaque())
        precondition(started == 0, "cannot start the timer thread: \(started)")
        pthread_detach(thread)
    }

    /// Nanoseconds on the monotonic clock the thread's waits use.
    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    private func locked<T>(_ body: (inout State) -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&state)
    }

    /// Registers a timer; its id is for `remove`.
    func add(after delay: UInt64, repeating interval: UInt64?, queue: DispatchQueue, handler: @escaping @Sendable () -> Void) -> UInt64 {
        let sum = Self.now().addingReportingOverflow(delay)
        let deadline = sum.overflow ? UInt64.max : sum.partialValue
        return locked { state in
            let id = state.nextID
            state.nextID += 1
            state.registrations[id] = Registration(handler: handler, queue: queue, interval: interval.map { max(1, $0) })
            state.push(Entry(deadline: deadline, id: id))
            state.compactIfStale()
            // Only a new earliest deadline shortens the thread's sleep.
            if state.heap.first?.id == id { pthread_cond_signal(wake) }
            return id
        }
    }

    /// Forgets a timer: it does not fire again (a handler already running finishes).
    func remove(_ id: UInt64) {
        // Released outside the lock: what the handler holds may cancel timers of its own as it goes.
        let removed = locked { $0.registrations.removeValue(forKey: id) }
        _ = removed
    }

    /// The timer thread's name, as /proc shows it.
    static let threadName = "market.timers"

    /// The timer thread: hands the due handlers to their queues, then sleeps until the next deadline.
    private func run() -> Never {
        // Signals are not this thread's: a process signal the kernel handed it (SIGTERM, which
        // `serve` takes through a signalfd that needs it blocked in every thread, while the
        // disposition is "ignore") would otherwise be lost.
        var all = sigset_t()
        sigfillset(&all)
        pthread_sigmask(SIG_BLOCK, &all, nil)
        Thread.current.name = Self.threadName
        pthread_mutex_lock(mutex)
        while true {
            let due = state.takeDue(now: Self.now())
            if !due.isEmpty {
                pthread_mutex_unlock(mutex)
                for registration in due { registration.queue.async(execute: registration.handler) }
                pthread_mutex_lock(mutex)
                continue
            }
            if let first = state.heap.first, first.deadline != .max {
                var until = timespec(tv_sec: Int(first.deadline / 1_000_000_000), tv_nsec: Int(first.deadline % 1_000_000_000))
                pthread_cond_timedwait(wake, mutex, &until)
            } else {
                pthread_cond_wait(wake, mutex)
            }
        }
    }
}
