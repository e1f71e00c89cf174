import Foundation
import NIOCore
import Synchronization

/// The server's open connections, capped. At the cap a new connection takes the place of the
/// connection that has been idle longest (no request in progress: a client that kept it alive,
/// or one still trickling its first request's head), as a reverse proxy reuses idle keep-alive
/// connections; only when every connection is serving a request is the new one refused. So a
/// crowd of idle sockets can neither keep `/healthz` out nor use up the process's open files.
final class ConnectionRegistry: Sendable {
    private struct Entry {
        let channel: any Channel
        /// Requests whose head was read and whose response has not ended.
        var requests: Int
        var idleSince: ContinuousClock.Instant
    }

    /// Connections admitted at once.
    let maximum: Int
    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])

    init(maximum: Int) {
        self.maximum = max(1, maximum)
    }

    /// Admits `channel`, closing the longest-idle connection when at the cap.
    /// - Returns: false when the cap is reached and no connection is idle: refuse this one.
    func admit(_ channel: any Channel) -> Bool {
        let evicted: (any Channel)?? = entries.withLock { entries in
            var evicted: (any Channel)?
            if entries.count >= maximum {
                guard let oldest = entries.filter({ $0.value.requests == 0 }).min(by: { $0.value.idleSince < $1.value.idleSince }) else {
                    return .none
                }
                evicted = entries.removeValue(forKey: oldest.key)?.channel
            }
            entries[ObjectIdentifier(channel)] = Entry(channel: channel, requests: 0, idleSince: .now)
            return .some(evicted)
        }
        guard let evicted else { return false }
        evicted?.close(promise: nil)
        return true
    }

    /// A request's head arrived on `channel`.
    func requestStarted(_ channel: any Channel) {
        entries.withLock { $0[ObjectIdentifier(channel)]?.requests += 1 }
    }

    /// A response on `channel` ended.
    func requestEnded(_ channel: any Channel) {
        entries.withLock { entries in
            guard var entry = entries[ObjectIdentifier(channel)] else { return }
            entry.requests = max(0, entry.requests - 1)
            if entry.requests == 0 { entry.idleSince = .now }
            entries[ObjectIdentifier(channel)] = entry
        }
    }

    /// `channel` closed: its place is free.
    func remove(_ channel: any Channel) {
        _ = entries.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Connections admitted now.
    var count: Int { entries.withLock { $0.count } }
}
