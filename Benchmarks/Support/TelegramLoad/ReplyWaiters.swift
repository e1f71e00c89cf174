import Foundation
import LoopbackLoad
import Synchronization

/// The conversational load's replies, matched to the updates they answer: each update's text
/// starts with a token (`m<update id>`), which the echo model sends back, so the first
/// `sendMessage` or `editMessageText` carrying a token is that update's reply reaching its chat.
final class ReplyWaiters: Sendable {
    private final class Waiter: Sendable {
        let arrived = DispatchSemaphore(value: 0)
        let time = Mutex<UInt64>(0)
    }

    private let waiting = Mutex<[Int64: Waiter]>([:])

    /// Notes that the reply to `id` is awaited; call before sending the update.
    func expect(_ id: Int64) {
        waiting.withLock { $0[id] = Waiter() }
    }

    /// Waits for the reply to `id`; when it arrived (monotonic ns), or nil after `seconds`.
    func wait(_ id: Int64, seconds: Double) -> UInt64? {
        guard let waiter = waiting.withLock({ $0[id] }) else { return nil }
        defer { waiting.withLock { _ = $0.removeValue(forKey: id) } }
        guard waiter.arrived.wait(timeout: .now() + seconds) == .success else { return nil }
        return waiter.time.withLock { $0 }
    }

    /// Called by the fake for each message text sent to a chat.
    func received(text: String) {
        guard let id = Self.token(text) else { return }
        let now = monotonicNanoseconds()
        guard let waiter = waiting.withLock({ $0[id] }) else { return }
        let first = waiter.time.withLock { time in
            defer { if time == 0 { time = now } }
            return time == 0
        }
        if first { waiter.arrived.signal() }
    }

    /// The update id in a text that starts `m<digits>`.
    static func token(_ text: String) -> Int64? {
        guard text.first == "m" else { return nil }
        return Int64(text.dropFirst().prefix(while: \.isNumber))
    }
}
