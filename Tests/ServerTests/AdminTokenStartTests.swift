import Foundation
import MarketTestSupport
import StoreTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
    /// `market serve` makes the admin token on its first start and prints it once, on standard
    /// error; the JSON log on standard output gets its id only, and the second start prints none.
    @Suite struct AdminTokenAtStart {
        @Test(.timeLimit(.minutes(3)))
        func theFirstStartPrintsTheAdminTokenOnceAndTheSecondDoesNot() async throws {
            let database = try await freshDatabase(migrated: false)
            let state = try temporaryDirectory("serve-admin-token")
            defer { try? FileManager.default.removeItem(at: state) }
            let arguments = ["serve", "--port", "0", "--state-dir", state.path]

            let first = try ServeProcess(arguments, removing: ["MARKET_LOG_LEVEL", "MARKET_MASTER_KEY"], environment: ["DATABASE_URL": database])
            let port = try await Self.port(of: first)
            // Standard error is read by a thread of its own: it may trail the log line a little.
            let shown = ContinuousClock.now + .seconds(10)
            while !first.standardError.contains("shown only now"), ContinuousClock.now < shown { try await Task.sleep(for: .milliseconds(50)) }
            let printed = first.standardError
            let token = try #require(printed.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("mka_") }.map(String.init),
                                     "no admin token on standard error: \(printed)")
            #expect(printed.contains("shown only now"))
            #expect(printed.components(separatedBy: "mka_").count == 2, "printed once")
            let reply = try await LoopbackHTTP.get("/v1/tenants", port: port, headers: ["Authorization": "Bearer \(token)"])
            #expect(reply.status == 200, "the printed token authenticates: \(reply.text)")
            let created = first.output.first { $0.contains("created the admin token") }
            #expect(created?.contains("tok_") == true, "the log names the token by id")
            #expect(!first.output.contains { $0.contains(token) }, "the token is in the log")
            #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("master.key").path), "the key file is made at start")
            try await Self.stop(first)

            let second = try ServeProcess(arguments, removing: ["MARKET_LOG_LEVEL", "MARKET_MASTER_KEY"], environment: ["DATABASE_URL": database])
            let again = try await Self.port(of: second)
            #expect(try await LoopbackHTTP.get("/v1/tenants", port: again, headers: ["Authorization": "Bearer \(token)"]).status == 200)
            #expect(!second.standardError.contains("mka_"), "the second start printed a token: \(second.standardError)")
            #expect(!second.output.contains { $0.contains("created the admin token") })
            try await Self.stop(second)
        }

        private static func port(of serve: ServeProcess) async throws -> Int {
            let listening = try await serve.line(within: 60) { $0.contains("\"message\":\"listening\"") }
            let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
            return try #require((record["port"] as? String).flatMap(Int.init))
        }

        private static func stop(_ serve: ServeProcess) async throws {
            serve.signal(SIGTERM)
            let exit = try await serve.exitStatus(within: 30)
            #expect(exit.signaled == false && exit.status == 0, "exit \(exit); stderr: \(serve.standardError); last log lines:\n\(serve.output.suffix(15).joined(separator: "\n"))")
        }
    }
}
