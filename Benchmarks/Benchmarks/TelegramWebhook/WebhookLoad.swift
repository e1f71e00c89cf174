import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Webhook deliveries on keep-alive loopback connections, each connection on a thread of its
/// own, as Telegram would POST them: update i in chat `firstChat + i`.
struct WebhookLoad {
    let world: WebhookWorld
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
        let world = world
        for connection in 0..<connections {
            done.enter()
            let socket = try Self.connect(world.port)
            Thread.detachNewThread { [firstID, count, connections] in
                defer { close(socket); done.leave() }
                var reader = StatusReader(socket: socket)
                var mine: [(Int64, UInt64, UInt64)] = []
                for index in stride(from: connection, to: count, by: connections) {
                    let id = firstID + Int64(index)
                    let planned = due(index)
                    Self.sleep(until: planned)
                    let sent = max(planned, monotonicNanoseconds())
                    let request = world.request(id, chat: id)
                    let ok = request.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) == $0.count }
                    guard ok, reader.readStatus() == 200 else {
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

    private static func sleep(until due: UInt64) {
        let now = monotonicNanoseconds()
        guard due > now else { return }
        var pause = timespec(tv_sec: Int((due - now) / 1_000_000_000), tv_nsec: Int((due - now) % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&pause, &remaining) != 0, errno == EINTR { pause = remaining }
    }
}

/// Reads one response at a time off a keep-alive connection (Content-Length bodies).
struct StatusReader {
    let socket: Int32
    private var buffer: [UInt8] = []

    init(socket: Int32) { self.socket = socket }

    mutating func readStatus() -> Int? {
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
