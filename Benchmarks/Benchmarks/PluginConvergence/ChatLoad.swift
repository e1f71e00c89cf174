import Foundation
import LoopbackLoad
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An open-loop load of slash commands (`/word_count`, a tool call of textkit with no model)
/// through the chat API, at a fixed rate spread over both replicas: connection k sends to
/// replica k mod 2 the requests k, k + n, k + 2n, … each due every n/`rate` s, on a keep-alive
/// connection and a thread of its own, until stopped. A request that breaks its connection or
/// is answered with anything but 200 is a failed call (the connection is then made again).
final class ChatLoad: Sendable {
    struct Counts: Sendable {
        var made = 0
        var failed = 0
        var statuses: [Int: Int] = [:]
    }

    private let counts = Mutex(Counts())
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchGroup()
    private let started: UInt64

    init(ports: [Int], tenant: String, token: String, rate: Int, connections: Int) {
        let interval = 1_000_000_000 * UInt64(connections) / UInt64(rate)
        started = monotonicNanoseconds() + 20_000_000
        for connection in 0..<connections {
            let port = ports[connection % ports.count]
            let body = #"{"text": "/word_count text=\"hot switch under load\"", "user": "u-\#(connection)"}"#
            let request = Array("""
                POST /v1/tenants/\(tenant)/chats/load-\(connection)/messages HTTP/1.1\r
                Host: 127.0.0.1:\(port)\r
                Authorization: Bearer \(token)\r
                Content-Type: application/json\r
                Content-Length: \(body.utf8.count)\r
                \r
                \(body)
                """.utf8)
            let first = started + UInt64(connection) * interval / UInt64(connections)
            done.enter()
            Thread.detachNewThread { [self] in
                defer { done.leave() }
                var socket: Int32 = -1
                var reader = ResponseReader(socket: socket)
                var due = first
                while !stopped.load(ordering: .relaxed) {
                    Loopback.sleep(until: due)
                    due += interval
                    if socket < 0, let made = try? Loopback.connect(port) { socket = made; reader = ResponseReader(socket: made) }
                    let status = socket >= 0 && Loopback.send(socket, request) ? reader.readResponse() : nil
                    counts.withLock { counts in
                        counts.made += 1
                        counts.statuses[status ?? 0, default: 0] += 1
                        if status != 200 { counts.failed += 1 }
                    }
                    if status == nil, socket >= 0 { close(socket); socket = -1 }
                }
                if socket >= 0 { close(socket) }
            }
        }
    }

    /// Stops the load (each connection finishes its request in flight) and says what it did and
    /// the rate it achieved, in calls a second.
    func stop() -> (counts: Counts, rate: Double) {
        stopped.store(true, ordering: .relaxed)
        done.wait()
        let elapsed = Double(monotonicNanoseconds() - started) / 1e9
        let counts = counts.withLock { $0 }
        return (counts, Double(counts.made - counts.failed) / elapsed)
    }
}
