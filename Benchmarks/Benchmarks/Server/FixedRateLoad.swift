import Foundation
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
            let socket = try Self.connect(port)
            Thread.detachNewThread { [path, headers, count, connections, port] in
                defer { close(socket); done.leave() }
                var reader = ResponseReader(socket: socket)
                let fields = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
                let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\(fields)\r\n".utf8)
                var mine: [Int] = []
                for index in stride(from: connection, to: count, by: connections) {
                    let due = start + UInt64(index) * interval
                    Self.sleep(until: due)
                    guard Self.send(socket, request), reader.readResponse() == 200 else {
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

    struct LoadFailure: Error, CustomStringConvertible { let description: String }

    private static func connect(_ port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var noDelay: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard socket >= 0, connected == 0 else { throw LoadFailure(description: "cannot connect to 127.0.0.1:\(port)") }
        return socket
    }

    private static func send(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) == $0.count }
    }

    private static func sleep(until due: UInt64) {
        let now = monotonicNanoseconds()
        guard due > now else { return }
        var pause = timespec(tv_sec: Int((due - now) / 1_000_000_000), tv_nsec: Int((due - now) % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&pause, &remaining) != 0, errno == EINTR { pause = remaining }
    }
}

/// Reads one response at a time off a keep-alive connection (Content-Length bodies).
struct ResponseReader {
    let socket: Int32
    private var buffer: [UInt8] = []

    init(socket: Int32) { self.socket = socket }

    /// The status of the next response, once all of it has arrived; nil if the connection broke.
    mutating func readResponse() -> Int? {
        while true {
            if let end = headerEnd() {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let lines = head.split(separator: "\r\n")
                guard let status = lines.first.flatMap({ Int($0.split(separator: " ")[1]) }) else { return nil }
                let length = lines.dropFirst().compactMap { line -> Int? in
                    let parts = line.split(separator: ":", maxSplits: 1)
                    return parts.count == 2 && parts[0].lowercased() == "content-length" ? Int(parts[1].trimmingCharacters(in: .whitespaces)) : nil
                }.first ?? 0
                while buffer.count < end + 4 + length { guard fill() else { return nil } }
                buffer.removeFirst(end + 4 + length)
                return status
            }
            guard fill() else { return nil }
        }
    }

    private func headerEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4) where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }

    private mutating func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let count = recv(socket, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
    }
}

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}
