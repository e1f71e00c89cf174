import Foundation
import MarketTestSupport
import StoreTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
    /// A plugin that calls `exit(0)` inside `market serve` (Tests/Fixtures/rogue's `exit_now`,
    /// reached through a slash command on the chat API): the server must not vanish with
    /// status 0, which a supervisor restarting on failure would leave down.
    @Suite struct PluginExit {
        @Test(.timeLimit(.minutes(3)))
        func aPluginsExitEndsServeWithAFailureThatSaysSo() async throws {
            let root = try temporaryDirectory("plugin-exit")
            defer { try? FileManager.default.removeItem(at: root) }
            let plugins = root.appendingPathComponent("plugins"), state = root.appendingPathComponent("state")
            try await FixturePlugin.build("rogue", into: plugins)
            let environment = ["DATABASE_URL": try await freshDatabase(migrated: true), "MARKET_MASTER_KEY": "", "MARKET_LOG_LEVEL": "info"]
            let market = buildProductsDirectory.appendingPathComponent("market").path
            for arguments in [["tenant", "create", "acme"], ["enable", "rogue", "--tenant", "acme", "--plugins", plugins.path]] {
                let output = try await runProcess(market, arguments + ["--state-dir", state.path], environment: environment)
                #expect(output.status == 0, "market \(arguments.joined(separator: " ")): \(output.stderr)")
            }
            let token = try await runProcess(market, ["tenant", "token", "acme", "--state-dir", state.path], environment: environment)
            #expect(token.status == 0, "\(token.stderr)")

            let serve = try ServeProcess(["serve", "--port", "0", "--state-dir", state.path, "--plugins", plugins.path], environment: environment)
            let listening = try await serve.line(within: 60) { $0.contains("\"message\":\"listening\"") }
            let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
            let port = try #require((record["port"] as? String).flatMap(Int.init))
            let headers = ["Authorization": "Bearer \(token.stdout.trimmingCharacters(in: .whitespacesAndNewlines))", "Content-Type": "application/json"]
            // The process ends under the request: no reply, or a broken one.
            let reply = try? await LoopbackHTTP.request("POST", "/v1/tenants/acme/chats/web-1/messages", port: port, headers: headers,
                                                        body: #"{"text": "/exit_now", "user": "u-1"}"#, timeout: 20)
            #expect(reply?.status != 200, "the tool never ran: \(reply?.text ?? "")")

            let exit = try await serve.exitStatus(within: 20)
            #expect(!exit.signaled && exit.status == 70, "exit status \(exit)")
            #expect(serve.standardError.contains("a plugin (or other code in the process) called exit(0) while market serve was running"),
                    "\(serve.standardError)")
            // The same, as a JSON log record with the rest of the server's log.
            let logged = serve.output.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .first { ($0["message"] as? String)?.contains("called exit(0)") == true }
            #expect(logged?["level"] as? String == "critical", "\(serve.output.joined(separator: "\n"))")
            #expect(logged?["exit_status"] as? String == "0")
        }
    }
}
