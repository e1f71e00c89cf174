import Foundation
import LoopbackLoad
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An open-loop HTTP/1.1 load on keep-alive loopback connections: `count` GETs of `path` (with
/// `headers`), one
/// due every 1/`rate` s, connection k sending requests k, k + n, k + 2n, … on a thread of its own.
struct FixedRateLoad {
    let port: Int
    let path: String
    var headers: [String: String] = [:]
    let rate: Int
    let count: Int
    let connections: Int

    /// The latency of each request in nanoseconds, from its due time to its response's last byte.
    func run() throws -> [Int] {
        let interval = 1_000_000_000 / UInt64(rate)
        let start = monotonicNanoseconds() + 20_000_000
        let results = Mutex<[Int]>([])
        let failures = Mutex<[String]>([])
        let done = DispatchGroup()
        for connection in 0..<connections {
            done.enter()
            let socket = try Loopback.connect(port)
            Thread.detachNewThread { [path, headers, count, connections, port] in
                defer { close(socket); done.leave() }
                var reader = ResponseReader(socket: socket)
                let fields = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
                let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\(fields)\r\n".utf8)
                var mine: [Int] = []
                for index in stride(from: connection, to: count, by: connections) {
                    let due = start + UInt64(index) * interval
                    Loopback.sleep(until: due)
                    guard Loopback.send(socket, request), reader.readResponse() == 200 else {
                        failures.withLock { $0.append("request \(index) failed") }
                        return
                    }
                    mine.append(Int(monotonicNanoseconds() - due))
                }
                results.withLock { $0 += mine }
            }
        }
        done.wait()
        if let failure = failures.withLock({ $0.first }) { throw LoadFailure(description: failure) }
        return results.withLock { $0 }
    }
}
