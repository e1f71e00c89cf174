import Foundation
import MarketCore
import MarketTestSupport
import StoreTestSupport
import Testing

extension ServerTests {
    /// An OAuth2 sign-in as a tenant does it: `market connections authorize` prints the link, the
    /// provider (a loopback authorization server written apart from the host) redirects the
    /// browser to `market serve`'s `/oauth/callback`, and the plugin — Tests/Fixtures/tokenprobe,
    /// built from source, its manifest declaring the provider — then sends the new access token.
    @Suite struct ConnectionSignInServe {
        @Test(.timeLimit(.minutes(3)))
        func aTenantSignsInThroughServeAndItsPluginUsesTheToken() async throws {
            let provider = try await FakeAuthorizationServer.start()
            let plugins = try temporaryDirectory("signin-plugins")
            let state = try temporaryDirectory("signin-state")
            defer {
                try? FileManager.default.removeItem(at: plugins)
                try? FileManager.default.removeItem(at: state)
            }
            let folder = try await FixturePlugin.build("tokenprobe", into: plugins)
            // The fixture's manifest, with the provider's endpoints and the client's secrets.
            let manifestURL = folder.appendingPathComponent("plugin.json")
            guard case .object(var manifest) = try JSONValue(parsing: try String(contentsOf: manifestURL, encoding: .utf8)) else {
                throw HTTPTestFailure("tokenprobe's plugin.json is not an object")
            }
            manifest["permissions"] = .object(["secrets": .array([.string("oauth_client_id"), .string("oauth_client_secret")]),
                                               "network": .array([.string("127.0.0.1")])])
            manifest["oauth2"] = .object(["authorize_url": .string("\(provider.root)/authorize"), "token_url": .string("\(provider.root)/token"),
                                          "scopes": .array([.string("crm")])])
            try Data(JSONValue.object(manifest).jsonText.utf8).write(to: manifestURL)

            let environment = ["DATABASE_URL": try await freshDatabase(migrated: true), "MARKET_MASTER_KEY": "", "MARKET_LOG_LEVEL": "info"]
            func market(_ arguments: [String], plugins withPlugins: Bool = true) async throws -> ProcessOutput {
                let output = try await runProcess(buildProductsDirectory.appendingPathComponent("market").path,
                                                  arguments + ["--state-dir", state.path] + (withPlugins ? ["--plugins", plugins.path] : []),
                                                  environment: environment)
                #expect(output.status == 0, "market \(arguments.joined(separator: " ")): \(output.stderr)")
                return output
            }
            _ = try await market(["tenant", "create", "acme"])
            _ = try await market(["enable", "tokenprobe", "--tenant", "acme"])
            _ = try await market(["secret", "set", "tokenprobe", "oauth_client_id", "--tenant", "acme", "--value", FakeAuthorizationServer.clientID])
            _ = try await market(["secret", "set", "tokenprobe", "oauth_client_secret", "--tenant", "acme", "--value", FakeAuthorizationServer.clientSecret])
            let token = try await market(["tenant", "token", "acme"], plugins: false).stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            // Token requests to loopback need the operator's leave, as plugins' requests do.
            let serve = try ServeProcess(["serve", "--port", "0", "--state-dir", state.path, "--plugins", plugins.path, "--allow-network", "loopback"],
                                         environment: environment)
            defer { serve.signal(SIGKILL) }
            let listening = try await serve.line(within: 120) { $0.contains("\"message\":\"listening\"") }
            let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
            let port = try #require((record["port"] as? String).flatMap(Int.init))

            let started = try await market(["connections", "authorize", "tokenprobe", "--tenant", "acme",
                                            "--redirect-base", "http://127.0.0.1:\(port)/", "--json"])
            let link = try JSONValue(parsing: started.stdout)
            #expect(link["redirect_uri"] == .string("http://127.0.0.1:\(port)/oauth/callback"))
            guard case .string(let url)? = link["url"] else { throw HTTPTestFailure("no url in \(started.stdout)") }

            // The browser: consent at the provider, then follow its redirect to serve.
            let back = try await provider.consent(at: url)
            #expect(back.host == "127.0.0.1" && back.port == port && back.path == "/oauth/callback")
            let pathAndQuery = back.path + "?" + (back.query ?? "")
            let page = try await LoopbackHTTP.get(pathAndQuery, port: port)
            #expect(page.status == 200 && page.text.contains("Connected"), "\(page.status) \(page.text)")
            #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
            let replayed = try await LoopbackHTTP.get(pathAndQuery, port: port)
            #expect(replayed.status == 404 && replayed.text.contains("start it again"), "\(replayed.text)")
            let declined = try await LoopbackHTTP.get("/oauth/callback?error=access_denied&state=x", port: port)
            #expect(declined.status == 422 && declined.text.contains("access_denied"))

            let auth = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
            let listed = try await LoopbackHTTP.get("/v1/tenants/acme/connections", port: port, headers: auth)
            let connection = try listed.json()["connections"] as? [[String: Any]]
            #expect(connection?.first?["kind"] as? String == "oauth2" && connection?.first?["status"] as? String == "connected", "\(listed.text)")

            // The plugin's tool answers with the header it would send: the provider accepts it.
            let reply = try await LoopbackHTTP.request("POST", "/v1/tenants/acme/chats/web-1/messages", port: port, headers: auth,
                                                       body: #"{"text": "/authorization", "user": "u-1"}"#)
            let text = try #require(try reply.json()["text"] as? String, "\(reply.text)")
            let bearer = try #require(text.range(of: "Bearer ").map { String(text[$0.upperBound...].prefix { !$0.isWhitespace && $0 != "\"" }) }, "\(text)")
            #expect(try await provider.accepts(accessToken: bearer), "\(text)")
            #expect(!serve.output.joined().contains(bearer), "no token in the log")

            // The plugin's own check of the connection, through the API and the CLI: its request
            // to the provider with the token succeeds.
            _ = try await market(["config", "tokenprobe", "--tenant", "acme", "probe_url=\(provider.root)/resource"])
            let tested = try await LoopbackHTTP.request("POST", "/v1/tenants/acme/connections/tokenprobe/test", port: port, headers: auth)
            let passed = try tested.json()["passed"] as? Bool
            #expect(tested.status == 200 && passed == true, "\(tested.text)")
            let cli = try await market(["connections", "test", "tokenprobe", "--tenant", "acme"])
            #expect(cli.stdout.contains("ok   request: HTTP 200") && cli.stdout.hasSuffix("works\n"), "\(cli.stdout)")

            serve.signal(SIGTERM)
            let exit = try await serve.exitStatus(within: 60)
            #expect(exit.signaled == false && exit.status == 0, "exit \(exit); stderr: \(serve.standardError)")
        }
    }
}
