import Foundation
import LoopbackLoad

#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 request on a connection of its own to 127.0.0.1 (`Connection: close`), for the
/// benchmark's control calls: the admin API and the polls of each replica.
struct LoopbackRequest {
    let method: String
    let path: String
    var headers: [String: String] = [:]
    var body: String?

    /// The response's status and body.
    func send(to port: Int) throws -> (status: Int, body: String) {
        let socket = try Loopback.connect(port)
        defer { close(socket) }
        var fields = headers
        fields["Host"] = "127.0.0.1:\(port)"
        fields["Connection"] = "close"
        if let body { fields["Content-Length"] = String(body.utf8.count); fields["Content-Type"] = "application/json" }
        let head = "\(method) \(path) HTTP/1.1\r\n" + fields.map { "\($0.key): \($0.value)\r\n" }.joined() + "\r\n"
        guard Loopback.send(socket, Array((head + (body ?? "")).utf8)) else { throw LoadFailure(description: "\(method) \(path): the connection broke") }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = recv(socket, &chunk, chunk.count, 0)
            guard count > 0 else { break }
            received += chunk[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n"), let status = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw LoadFailure(description: "\(method) \(path): no HTTP response")
        }
        var payload = String(text[headEnd.upperBound...])
        if text[..<headEnd.lowerBound].lowercased().contains("transfer-encoding: chunked") { payload = Self.unchunked(payload) }
        return (status, payload)
    }

    /// The JSON object of a response body.
    static func json(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    private static func unchunked(_ text: String) -> String {
        var rest = Substring(text), out = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let bytes = Array(rest[start...].utf8)
            out += String(decoding: bytes.prefix(size), as: UTF8.self)
            rest = Substring(String(decoding: bytes.dropFirst(size + 2), as: UTF8.self))
        }
        return out
    }
}
