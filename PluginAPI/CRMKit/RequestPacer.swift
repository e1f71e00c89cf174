import Foundation
import PluginKit

/// Keeps the requests to one CRM account under the CRM's documented rate (amoCRM 7/s,
/// Bitrix24 2/s, HubSpot's burst limit). One pacer per account and process, shared by every
/// instance and thread that talks to that account: two tenants on one amoCRM account, or one
/// tenant's concurrent calls, draw from the same allowance.
///
/// Requests are spaced evenly: each takes the next free slot `1/rate` seconds after the one
/// before, and waits for it. A burst of `burst` may go at once after a quiet period. A call
/// whose slot lies past its deadline fails at once with `.rateLimited` instead of waiting.
public final class RequestPacer: @unchecked Sendable {
    // @unchecked: `nextSlot` is only touched under `lock`.
    private let lock = NSLock()
    private let interval: UInt64
    private let burst: UInt64
    /// The monotonic time (ns) of the next free slot.
    private var nextSlot: UInt64 = 0

    private static let lock = NSLock()
    nonisolated(unsafe) private static var pacers: [String: RequestPacer] = [:]

    /// The pacer of `account` (e.g. "amocrm https://acme.amocrm.ru"), made on first use with
    /// `perSecond` requests a second and bursts of `burst`.
    public static func shared(account: String, perSecond: Double, burst: Int = 1) -> RequestPacer {
        lock.lock()
        defer { lock.unlock() }
        if let known = pacers[account] { return known }
        let pacer = RequestPacer(perSecond: perSecond, burst: burst)
        pacers[account] = pacer
        return pacer
    }

    public init(perSecond: Double, burst: Int = 1) {
        interval = UInt64((1_000_000_000 / max(perSecond, 0.001)).rounded(.up))
        self.burst = UInt64(max(1, burst))
    }

    /// Waits for this request's slot. Throws `.rateLimited` when the slot is past the call's
    /// deadline, `.cancelled` when the call is cancelled while waiting.
    public func waitForSlot(context: CallContext?) throws {
        let now = monotonicNanoseconds()
        lock.lock()
        // After a quiet period, up to `burst` slots lie in the past and go at once.
        let earliest = now > interval * (burst - 1) ? now - interval * (burst - 1) : 0
        let slot = max(nextSlot, earliest)
        if let deadline = context?.deadlineNanoseconds, slot > deadline {
            lock.unlock()
            let wait = (slot - now) / 1_000_000
            throw PluginError(.rateLimited, "the CRM allows \(1_000_000_000 / interval) requests a second and this call's turn comes after its deadline; try again in \(wait) ms",
                              retryAfterMilliseconds: UInt32(clamping: wait))
        }
        nextSlot = slot + interval
        lock.unlock()
        while true {
            let now = monotonicNanoseconds()
            guard slot > now else { return }
            try context?.checkCancellation()
            let pause = min(slot - now, 50_000_000)
            var request = timespec(tv_sec: Int(pause / 1_000_000_000), tv_nsec: Int(pause % 1_000_000_000))
            nanosleep(&request, nil)
        }
    }

    /// Holds every request back for `milliseconds` (the CRM answered 429 with a Retry-After).
    public func pause(milliseconds: UInt64) {
        lock.lock()
        nextSlot = max(nextSlot, monotonicNanoseconds() + milliseconds * 1_000_000)
        lock.unlock()
    }
}
