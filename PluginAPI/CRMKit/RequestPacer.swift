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
///
/// Even spacing holds where requests start; a service counts where they arrive, and a loaded
/// machine may delay one request past the next. With `window`, a request also waits until fewer
/// than `window` requests are in flight or ended within the last second: then any second at the
/// service holds at most `window + 1` arrivals, however late each was (an arrival lies between
/// its start and its end, and the latest starter in a second saw every other one as recent).
///
/// Replicas of the host each have their own pacer, so each takes its share of the account's
/// allowance (`replicas`, from `PluginHost.replicas`): slots `replicas` times as far apart, a
/// burst of `burst / replicas`, and a window of `(window + 1) / replicas - 1` (at least 1), so
/// that the replicas together stay within the rate, and within `window + 1` in any second while
/// there are at most `(window + 1) / 2` of them.
public final class RequestPacer: @unchecked Sendable {
    // @unchecked: `nextSlot` and `recent` are only touched under `lock`.
    private let lock = NSLock()
    private let interval: UInt64
    private let burst: UInt64
    private let window: Int?
    /// The monotonic time (ns) of the next free slot.
    private var nextSlot: UInt64 = 0
    /// With a window: requests in flight (end nil) or ended within the last second.
    private var recent: [(ticket: UInt64, end: UInt64?)] = []
    private var nextTicket: UInt64 = 1

    private static let lock = NSLock()
    nonisolated(unsafe) private static var pacers: [String: RequestPacer] = [:]

    /// The pacer of `account` (e.g. "amocrm https://acme.amocrm.ru"), made on first use with
    /// `perSecond` requests a second and bursts of `burst`.
    public static func shared(account: String, perSecond: Double, burst: Int = 1, window: Int? = nil) -> RequestPacer {
        lock.lock()
        defer { lock.unlock() }
        if let known = pacers[account] { return known }
        let pacer = RequestPacer(perSecond: perSecond, burst: burst, window: window)
        pacers[account] = pacer
        return pacer
    }

    public init(perSecond: Double, burst: Int = 1, window: Int? = nil) {
        interval = UInt64((1_000_000_000 / max(perSecond, 0.001)).rounded(.up))
        self.burst = UInt64(max(1, burst))
        self.window = window.map { max(1, $0) }
    }

    /// Waits for this request's slot (and, with a window, for room in it); the ticket is for
    /// `ended` once the response is in. Throws `.rateLimited` when the slot is past the call's
    /// deadline, `.cancelled` when the call is cancelled while waiting.
    /// - Parameter replicas: the host's replicas sharing the account (`PluginHost.replicas`).
    @discardableResult
    public func waitForSlot(context: CallContext?, replicas: Int = 1) throws -> UInt64 {
        let share = UInt64(max(1, replicas))
        let interval = self.interval * share
        let burst = max(1, self.burst / share)
        let now = monotonicNanoseconds()
        lock.lock()
        // After a quiet period, up to `burst` slots lie in the past and go at once.
        let earliest = now > interval * (burst - 1) ? now - interval * (burst - 1) : 0
        let slot = max(nextSlot, earliest)
        if let deadline = context?.deadlineNanoseconds, slot > deadline {
            lock.unlock()
            let wait = (slot - now) / 1_000_000
            throw PluginError(.rateLimited, "the CRM allows \(1_000_000_000 / self.interval) requests a second\(share > 1 ? ", shared by \(share) replicas," : "") and this call's turn comes after its deadline; try again in \(wait) ms",
                              retryAfterMilliseconds: UInt32(clamping: wait))
        }
        nextSlot = slot + interval
        lock.unlock()
        while true {
            let now = monotonicNanoseconds()
            guard slot > now else { break }
            try context?.checkCancellation()
            Self.sleep(min(slot - now, 50_000_000))
        }
        guard let whole = self.window else { return 0 }
        let window = max(1, (whole + 1) / Int(share) - 1)
        while true {
            let now = monotonicNanoseconds()
            lock.lock()
            recent.removeAll { $0.end.map { $0 + 1_000_000_000 <= now } ?? false }
            if recent.count < window {
                let ticket = nextTicket
                nextTicket += 1
                recent.append((ticket, nil))
                lock.unlock()
                return ticket
            }
            lock.unlock()
            if let deadline = context?.deadlineNanoseconds, now >= deadline {
                throw PluginError(.rateLimited, "the CRM allows \(whole + 1) requests a second and this call's turn came after its deadline; try again in 1000 ms",
                                  retryAfterMilliseconds: 1_000)
            }
            try context?.checkCancellation()
            Self.sleep(5_000_000)
        }
    }

    /// The response to the request of `ticket` is in (or it failed): it stops counting as in
    /// flight, and counts as recent for a second.
    public func ended(_ ticket: UInt64) {
        guard window != nil, ticket != 0 else { return }
        let now = monotonicNanoseconds()
        lock.lock()
        if let index = recent.firstIndex(where: { $0.ticket == ticket }) { recent[index].end = now }
        lock.unlock()
    }

    private static func sleep(_ nanoseconds: UInt64) {
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        nanosleep(&request, nil)
    }

    /// Holds every request back for `milliseconds` (the CRM answered 429 with a Retry-After).
    public func pause(milliseconds: UInt64) {
        lock.lock()
        nextSlot = max(nextSlot, monotonicNanoseconds() + milliseconds * 1_000_000)
        lock.unlock()
    }
}
