import Foundation
import Logging
import MarketCore
import MarketHTTP
import MarketTestSupport
import PluginRuntime
import Testing

/// `market.http/1` for destinations a plugin did not name: the address guard behind wildcard
/// grants, redirects, capped bodies, hanging servers and connection reuse, against a real
/// HTTP/1.1 receiver on loopback that counts the TCP connections it accepts.
@Suite(.serialized) struct HTTPGuardTests {
    static let receiverScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/http_receiver.py")

    /// The receiver (Tests/RuntimeTests/Fixtures/http_receiver.py) on an ephemeral port.
    static func receiver() async throws -> LoopbackServerProcess {
        try await LoopbackServerProcess.start(["python3", "-u", receiverScript.path]) { seen in
            guard let line = seen.split(separator: "\n").first(where: { $0.hasPrefix("listening on port ") }) else { return nil }
            return Int(line.dropFirst("listening on port ".count))
        }
    }

    /// What the fixture's `http` tool saw: fetch's status code, the HTTP status (-1: not set),
    /// the body's size and its first 32 bytes.
    struct Fetched: Equatable, CustomStringConvertible {
        var rc: Int
        var status: Int
        var bytes: Int
        var head: String
        var description: String { "rc \(rc), status \(status), \(bytes) bytes, \(head)" }
    }

    final class Plugin: Sendable {
        let runtime: PluginRuntime
        let instance: PluginInstance

        init(network: [String], allowing ranges: Set<AddressRange> = [], logger: Logger? = nil) async throws {
            let folder = try await buildFixture { fields in
                fields["permissions"] = ["network": network]
            }
            let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            runtime = PluginRuntime(services: HostServices(logger: logger ?? quiet, http: HTTPLimits(allowedRanges: ranges)))
            instance = try await runtime.instantiate(try runtime.load(folder), tenantID: "t1")
        }

        func fetch(_ url: String, method: String = "GET", max: Int = 0, timeout: Int = 10_000, injectingAHeaderLine: Bool = false) async throws -> Fetched {
            let inject = injectingAHeaderLine ? 1 : 0
            let text = try await instance.callTool("http", arguments: #"{"url":"\#(url)","method":"\#(method)","max":\#(max),"timeout":\#(timeout),"inject":\#(inject)}"#)
            let json = try JSONValue(parsing: text)
            guard case .integer(let rc) = json["rc"], case .integer(let status) = json["status"], case .integer(let bytes) = json["bytes"],
                  case .string(let head) = json["head"] else { throw MarketError(.pluginFailed, "unexpected tool result \(text)") }
            return Fetched(rc: Int(rc), status: Int(status), bytes: Int(bytes), head: head)
        }

        func close() async {
            await instance.close()
            await runtime.shutdown()
        }
    }

    /// The bytes the receiver's last /big answer wrote before the client went away, once that
    /// answer has stopped writing (0 until then: a client that neither reads nor closes fails).
    func bigSent(_ port: Int) async throws -> Int {
        for _ in 0..<100 {
            let request = HTTPRequest(url: try HTTPURL("http://127.0.0.1:\(port)/big-sent"), timeout: .seconds(10), maximumResponseBytes: 64)
            let answer = try await HTTPClient().send(request)
            let sent = try #require(Int(String(decoding: answer.body, as: UTF8.self)))
            if sent > 0 { return sent }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the receiver was still writing /big after 10 s: the connection was neither read nor closed")
        return 0
    }

    /// How many TCP connections the receiver had accepted before this question, which goes over
    /// a connection of its own (the multi loop's, which plugins' requests never use).
    func connections(_ port: Int) async throws -> Int {
        let request = HTTPRequest(url: try HTTPURL("http://127.0.0.1:\(port)/connections"), timeout: .seconds(10), maximumResponseBytes: 64)
        let answer = try await HTTPClient().send(request)
        return try #require(Int(String(decoding: answer.body, as: UTF8.self))) - 1
    }

    @Test func aWildcardGrantDoesNotReachLoopbackUnlessTheOperatorAllowsIt() async throws {
        let receiver = try await Self.receiver()
        let capture = CapturingLogHandler()
        let guarded = try await Plugin(network: ["*"], logger: capture.logger)
        let spellings = ["127.0.0.1", "localhost", "2130706433", "0177.0.0.1", "[::ffff:127.0.0.1]", "[::1]", "0.0.0.0"]
        for host in spellings {
            let fetched = try await guarded.fetch("http://\(host):\(receiver.port)/ok")
            #expect(fetched.rc == 3 && fetched.status == -1, "\(host): \(fetched)") // MK_ERR_PERMISSION_DENIED, before any response
        }
        await guarded.close()
        #expect(try await connections(receiver.port) == 0, "a refused request reached the receiver")
        let log = capture.lines.text
        #expect(log.contains("127.0.0.1 is in 127.0.0.0/8 (loopback)"), "\(log)")
        #expect(log.contains("--allow-network loopback"))
        #expect(log.contains("0.0.0.0 is in 0.0.0.0/8 (unspecified)"))

        let allowed = try await Plugin(network: ["*"], allowing: [.loopback, .unspecified])
        for host in ["127.0.0.1", "localhost", "2130706433"] {
            #expect(try await allowed.fetch("http://\(host):\(receiver.port)/ok") == Fetched(rc: 0, status: 200, bytes: 2, head: "ok"), "\(host)")
        }
        await allowed.close()
        // A private range allowed is not loopback allowed.
        let privateOnly = try await Plugin(network: ["*"], allowing: [.private, .linkLocal])
        #expect(try await privateOnly.fetch("http://127.0.0.1:\(receiver.port)/ok").rc == 3)
        await privateOnly.close()
    }

    /// Hosts the manifest names were consented to at install: the guard leaves them alone, even
    /// when a wildcard grants them too.
    @Test func aNamedHostIsNotGuarded() async throws {
        let receiver = try await Self.receiver()
        let plugin = try await Plugin(network: ["*", "localhost", "127.0.0.1:\(receiver.port)"])
        for host in ["127.0.0.1", "localhost"] {
            #expect(try await plugin.fetch("http://\(host):\(receiver.port)/ok") == Fetched(rc: 0, status: 200, bytes: 2, head: "ok"), "\(host)")
        }
        await plugin.close()
    }

    /// A header value holding CR LF would add a header line of the plugin's choosing: refused
    /// before anything is sent.
    @Test func aHeaderValueCannotStartAnotherHeaderLine() async throws {
        let receiver = try await Self.receiver()
        let plugin = try await Plugin(network: ["127.0.0.1"], allowing: [.loopback])
        let before = try await connections(receiver.port)
        #expect(try await plugin.fetch("http://127.0.0.1:\(receiver.port)/ok", injectingAHeaderLine: true).rc == 1) // MK_ERR_INVALID_ARGUMENT
        #expect(try await connections(receiver.port) == before, "nothing reached the receiver")
        #expect(try await plugin.fetch("http://127.0.0.1:\(receiver.port)/ok").rc == 0)
        await plugin.close()
    }

    @Test func aRedirectIsTheResponse() async throws {
        let receiver = try await Self.receiver()
        let plugin = try await Plugin(network: ["*"], allowing: [.loopback])
        #expect(try await plugin.fetch("http://127.0.0.1:\(receiver.port)/redirect") == Fetched(rc: 0, status: 302, bytes: 5, head: "moved"))
        await plugin.close()
    }

    /// A 20 MiB answer to a plugin that wants its first KiB costs that KiB: the transfer stops
    /// there, and the plugin has the status and exactly the prefix, with MK_ERR_TOO_LARGE.
    @Test func aLargeBodyPastTheCapStopsWithItsPrefixAndStatus() async throws {
        let receiver = try await Self.receiver()
        for network in [["127.0.0.1"], ["*"]] {
            let plugin = try await Plugin(network: network, allowing: [.loopback])
            let fetched = try await plugin.fetch("http://127.0.0.1:\(receiver.port)/big", max: 1024)
            #expect(fetched == Fetched(rc: 6, status: 200, bytes: 1024, head: "0123456789abcdef0123456789abcdef"), "\(network)")
            await plugin.close()
            // The connection was closed early: the receiver could not write the whole body. (The
            // bytes sent, not the wall clock, which a loaded machine stretches.)
            let sent = try await bigSent(receiver.port)
            #expect(sent < 20 << 20, "\(network): the receiver wrote \(sent) bytes, all of them")
        }
    }

    /// A destination that accepts and never answers costs the request's timeout, and the
    /// plugin's thread is free again after it.
    @Test func aHangingDestinationCostsOneTimeout() async throws {
        let receiver = try await Self.receiver()
        let plugin = try await Plugin(network: ["*"], allowing: [.loopback])
        let started = ContinuousClock.now
        let fetched = try await plugin.fetch("http://127.0.0.1:\(receiver.port)/hang", timeout: 300)
        #expect(fetched.rc == 4 && fetched.status == -1, "\(fetched)") // MK_ERR_TIMEOUT
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(300) && waited < .seconds(3), "\(waited)")
        #expect(try await plugin.fetch("http://127.0.0.1:\(receiver.port)/ok").status == 200)
        await plugin.close()
    }

    /// One plugin posting 100 small messages to one receiver opens one connection, not 100,
    /// named or guarded.
    @Test(arguments: [["127.0.0.1"], ["*"]])
    func manySmallPostsReuseAConnection(network: [String]) async throws {
        let receiver = try await Self.receiver()
        let plugin = try await Plugin(network: network, allowing: [.loopback])
        for _ in 0..<100 {
            let fetched = try await plugin.fetch("http://127.0.0.1:\(receiver.port)/ok", method: "POST")
            try #require(fetched == Fetched(rc: 0, status: 200, bytes: 2, head: "ok"), "\(fetched)")
        }
        await plugin.close()
        // Tests running meanwhile share the pooled handles, so a few more than one may be opened.
        let opened = try await connections(receiver.port)
        #expect(opened >= 1 && opened <= 4, "\(opened) connections for 100 requests")
    }
}
