import Testing
import Hummingbird
import HummingbirdTesting
import NIOCore

/// Runs `body` with Hummingbird's test framework in live mode: `routes` on a real loopback
/// port, since libcurl must connect to a socket.
func withLiveServer(_ routes: (Router<BasicRequestContext>) -> Void, _ body: @Sendable (_ base: String) async throws -> Void) async throws {
    let router = Router()
    routes(router)
    try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
        let port = try #require(client.port)
        try await body("http://127.0.0.1:\(port)")
    }
}

/// A body of `count` bytes written one a second: a server slower than any minimum speed.
func drip(_ count: Int) -> ResponseBody {
    ResponseBody(contentLength: count) { writer in
        for _ in 0..<count {
            try await writer.write(ByteBuffer(string: "x"))
            try await Task.sleep(for: .seconds(1))
        }
        try await writer.finish(nil)
    }
}
