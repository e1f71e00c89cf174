import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection to 127.0.0.1 driven byte by byte, for what `LoopbackHTTP` cannot do: send
/// part of a request, stay idle, send bytes that are not UTF-8, see when the server closes.
final class RawConnection: @unchecked Sendable {
    // One test task owns each connection; the descriptor is only closed by `close()` or deinit.
    let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw HTTPTestFailure("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(socket)
            throw HTTPTestFailure("cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
    }

    func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw HTTPTestFailure("send failed: errno \(errno)") }
            sent += count
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Reads until the server closes the connection or `seconds` pass.
    /// - Returns: the bytes read, and whether the server closed (or reset) the connection.
    func readUntilClosed(within seconds: Double) async -> (bytes: [UInt8], closed: Bool) {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [socket] in
                var received: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 65536)
                let deadline = Date().addingTimeInterval(seconds)
                while true {
                    let left = deadline.timeIntervalSinceNow
                    guard left > 0 else { return continuation.resume(returning: (received, false)) }
                    var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                    let ready = poll(&poller, 1, Int32(max(1, left * 1000)))
                    if ready < 0, errno == EINTR { continue }
                    guard ready > 0 else { continue }
                    let count = recv(socket, &buffer, buffer.count, 0)
                    if count < 0, errno == EINTR { continue }
                    if count <= 0 { return continuation.resume(returning: (received, true)) }
                    received += buffer[0..<count]
                }
            }
        }
    }

    /// Reads one response (the server closes after it or not) within `seconds`.
    func response(within seconds: Double) async throws -> HTTPReply {
        let (bytes, _) = await readUntilClosed(within: seconds)
        return try LoopbackHTTP.parse(bytes)
    }

    func close() { Glibc.shutdown(socket, Int32(SHUT_RDWR)) }

    deinit { Glibc.close(socket) }
}
