import Foundation
import LoopbackLoad
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Webhook deliveries on keep-alive loopback connections, each connection on a thread of its
/// own, as Telegram would POST them: update i in chat `firstChat + i`.
struct WebhookLoad {
    let target: WebhookTarget
    let firstID: Int64
    let count: Int
    let connections: Int

    /// Open loop: update i is due at start + i / `rate` s whatever happened before. Returns each
    /// update's due time and ack latency (ns), by chat.
    func fixedRate(_ rate: Int) throws -> [Int64: (due: UInt64, ack: UInt64)] {
        let interval = 1_000_000_000 / UInt64(rate)
        let start = monotonicNanoseconds() + 20_000_000
        return try run { index in start + UInt64(index) * interval }
    }

    /// Closed loop: each connection sends its next update as soon as the last is acknowledged.
    func saturating() throws -> [Int64: (due: UInt64, ack: UInt64)] {
        try run { _ in 0 }
    }

    private func run(due: @escaping @Sendable (Int) -> UInt64) throws -> [Int64: (due: UInt64, ack: UInt64)] {
        let results = Mutex<[Int64: (due: UInt64, ack: UInt64)]>([:])
        let failures = Mutex<[String]>([])
        let done = DispatchGroup()
        let target = target
        for connection in 0..<connections {
            done.enter()
            let socket = try Loopback.connect(target.port)
            Thread.detachNewThread { [firstID, count, connections] in
                defer { close(socket); done.leave() }
                var reader = ResponseReader(socket: socket)
                var mine: [(Int64, UInt64, UInt64)] = []
                for index in stride(from: connection, to: count, by: connections) {
                    let id = firstID + Int64(index)
                    let planned = due(index)
                    Loopback.sleep(until: planned)
                    let sent = max(planned, monotonicNanoseconds())
                    let request = target.request(id, chat: id)
                    let ok = Loopback.send(socket, request)
                    guard ok, reader.readResponse() == 200 else {
                        failures.withLock { $0.append("update \(id) was not acknowledged") }
                        return
                    }
                    mine.append((id, planned == 0 ? sent : planned, monotonicNanoseconds() - (planned == 0 ? sent : planned)))
                }
                results.withLock { all in for (chat, start, ack) in mine { all[chat] = (start, ack) } }
            }
        }
        done.wait()
        if let failure = failures.withLock({ $0.first }) { throw LoadFailure(description: failure) }
        return results.withLock { $0 }
    }
}
