import Foundation
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 serving the files of a folder, on a thread of its own.
/// It can answer 503 to the first requests, to exercise retries, cut one file short, as a
/// server that goes away mid-download does, and trickle one file a byte a second.
///
/// Hand-written rather than a Hummingbird router on purpose: cutting a file short means
/// promising a Content-Length and closing the connection halfway, which a router cannot do
/// (Hummingbird completes or resets the response itself), and the registry's tests need that
/// exact failure (libcurl's partial file) to check that an install leaves nothing behind.
final class LoopbackServer: Sendable {
    let port: UInt16
    private let listener: Int32
    private let folder: URL
    private let failuresLeft: Mutex<Int>
    private let served = Mutex<[String]>([])
    private let truncated: String?
    private let trickled: String?

    init(serving folder: URL, failFirst failures: Int = 0, truncating truncated: String? = nil, trickling trickled: String? = nil) throws {
        self.folder = folder
        self.truncated = truncated
        self.trickled = trickled
        failuresLeft = Mutex(failures)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw POSIXError(.EADDRNOTAVAIL)
        }
        listener = descriptor
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The paths requested so far, in order.
    var requests: [String] { served.withLock { $0 } }

    private let stopped = Mutex(false)

    /// Stops accepting. The listener is closed by the accepting thread once it is done with
    /// it, so its descriptor cannot be reused by another test's socket while still in use here.
    func stop() {
        stopped.withLock { $0 = true }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        defer { close(listener) }
        while !stopped.withLock({ $0 }) {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            handle(connection)
            close(connection)
        }
    }

    private func handle(_ connection: Int32) {
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.ends(with: Array("\r\n\r\n".utf8)) {
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return }
            request += buffer[0..<count]
        }
        let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n").first ?? ""
        let path = line.split(separator: " ").dropFirst().first.map { String($0.dropFirst()) } ?? ""
        served.withLock { $0.append(path) }
        let failing = failuresLeft.withLock { left in
            defer { left = max(0, left - 1) }
            return left > 0
        }
        let file = folder.appendingPathComponent(path)
        let (status, body): (String, Data) = if failing {
            ("503 Service Unavailable", Data())
        } else if !path.contains(".."), let data = try? Data(contentsOf: file) {
            ("200 OK", data)
        } else {
            ("404 Not Found", Data())
        }
        let head = "HTTP/1.1 \(status)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        guard path != trickled else {
            send(Data(head.utf8), to: connection)
            for byte in body where !stopped.withLock({ $0 }) {
                // MSG_NOSIGNAL: a client that gave up must not kill the test process with SIGPIPE.
                guard withUnsafeBytes(of: byte, { Foundation.send(connection, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }) == 1 else { return }
                sleep(1)
            }
            return
        }
        send(Data(head.utf8) + (path == truncated ? body.prefix(body.count / 2) : body), to: connection)
    }

    private func send(_ data: Data, to connection: Int32) {
        data.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let sent = write(connection, base + offset, bytes.count - offset)
                guard sent > 0 else { return }
                offset += sent
            }
        }
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
