import Foundation
import Logging
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

extension ServerTests {
    /// `market webhooks …` and `/v1/tenants/{t}/webhooks/…` against the real binary and a real
    /// database, with the C fixture targetsink standing in for the plugin `webhooks` (built from
    /// source under that id): its `prepare` makes `whsec_` secrets and keeps the old one on rotation.
    @Suite struct WebhookRoundTrip {
        /// A state folder, a database with tenant `acme` that enabled the stand-in `webhooks`.
        struct World {
            let state: URL
            let plugins: URL
            let database: String

            static func make() async throws -> World {
                let root = try temporaryDirectory("webhooks")
                let built = root.appendingPathComponent("built"), plugins = root.appendingPathComponent("plugins")
                let folder = try await FixturePlugin.build("targetsink", into: built, defines: [#"TARGETSINK_ID="webhooks""#])
                try FileManager.default.createDirectory(at: plugins, withIntermediateDirectories: true)
                try FileManager.default.moveItem(at: folder, to: plugins.appendingPathComponent("webhooks"))
                let manifest = plugins.appendingPathComponent("webhooks/plugin.json")
                let text = try String(contentsOf: manifest, encoding: .utf8).replacingOccurrences(of: #""id": "targetsink""#, with: #""id": "webhooks""#)
                try text.write(to: manifest, atomically: true, encoding: .utf8)
                let world = World(state: root.appendingPathComponent("state"), plugins: plugins, database: try await freshDatabase(migrated: true))
                try FileManager.default.createDirectory(at: world.state, withIntermediateDirectories: true)
                for arguments in [["tenant", "create", "acme"], ["tenant", "create", "bare"], ["enable", "webhooks", "--tenant", "acme"]] {
                    let output = try await world.market(arguments)
                    #expect(output.status == 0, "market \(arguments.joined(separator: " ")): \(output.stderr)")
                }
                return world
            }

            func market(_ arguments: [String]) async throws -> ProcessOutput {
                try await runProcess(buildProductsDirectory.appendingPathComponent("market").path,
                                     arguments + ["--state-dir", state.path, "--plugins", plugins.path],
                                     environment: ["DATABASE_URL": database, "MARKET_MASTER_KEY": ""])
            }

            func json(_ arguments: [String]) async throws -> [String: Any] {
                let output = try await market(arguments + ["--json"])
                #expect(output.status == 0, "market \(arguments.joined(separator: " ")): \(output.stderr)")
                return try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "\(output.stdout)")
            }

            /// What is stored for the target, its secrets opened with the state folder's master key.
            func stored(_ id: String) async throws -> JSONValue {
                let pool = DatabasePool(connectionString: database, configuration: .init(size: 1), logger: quietLogger)
                pool.start()
                let key = try MasterKey.load(environment: [:], stateDirectory: state, logger: quietLogger)
                let targets = EventTargets(pool: pool, box: SecretBox(key: key), logger: quietLogger)
                let secrets = try await targets.stored(id, tenant: "acme", by: .system).secrets
                await pool.shutdown()
                return secrets
            }
        }

        @Test func theCommandsAddListRotateUpdateAndRemoveAnEndpoint() async throws {
            let world = try await World.make()
            let added = try await world.json(["webhooks", "endpoints", "add", "http://127.0.0.1:9/hook", "--tenant", "acme", "--types", "lead.*,order.paid",
                                              "--rate", "5", "--header", "X-Team: sales", "--description", "CRM"])
            let id = try #require(added["id"] as? String)
            let secret = try #require((added["secrets"] as? [String: Any])?["secret"] as? String)
            #expect(secret.hasPrefix("whsec_"))
            #expect(added["types"] as? [String] == ["lead.*", "order.paid"] && added["rate_per_second"] as? Int == 5)
            #expect(((added["settings"] as? [String: Any])?["headers"] as? [String: String]) == ["X-Team": "sales"])
            #expect(try await world.stored(id) == .object(["secret": .string(secret)]), "what prepare answered is what is stored")

            // The text form prints the secret once too; list never shows one.
            let second = try await world.market(["webhooks", "endpoints", "add", "http://127.0.0.1:9/other", "--tenant", "acme"])
            #expect(second.status == 0 && second.stdout.contains("secret (shown once, keep it now): {\"secret\":\"whsec_"), "\(second.stdout)")
            let list = try await world.market(["webhooks", "endpoints", "list", "--tenant", "acme", "--json"])
            #expect(list.status == 0 && !list.stdout.contains("whsec_") && list.stdout.contains(id), "\(list.stdout)")
            let listed = try await world.market(["webhooks", "endpoints", "list", "--tenant", "acme"])
            #expect(!listed.stdout.contains("whsec_") && listed.stdout.contains("\(id)  enabled  lead.*,order.paid  http://127.0.0.1:9/hook  5/s"), "\(listed.stdout)")

            let rotated = try await world.json(["webhooks", "endpoints", "rotate-secret", id, "--tenant", "acme", "--overlap", "2h"])
            let secrets = try #require(rotated["secrets"] as? [String: Any])
            let fresh = try #require(secrets["secret"] as? String)
            #expect(fresh.hasPrefix("whsec_") && fresh != secret)
            #expect(secrets["previous"] as? String == secret && secrets["overlap_seconds"] as? Int == 7200, "the old secret signs on for the overlap")
            let stored = try await world.stored(id)
            #expect(stored["secret"] == .string(fresh) && stored["previous"] == .string(secret) && stored["overlap_seconds"] == .integer(7200))

            let updated = try await world.json(["webhooks", "endpoints", "update", id, "--tenant", "acme", "--types", "order.*", "--rate", "0",
                                                "--url", "http://127.0.0.1:9/moved", "--disable"])
            #expect(updated["types"] as? [String] == ["order.*"] && updated["rate_per_second"] is NSNull && updated["enabled"] as? Bool == false)
            #expect((updated["settings"] as? [String: Any])?["url"] as? String == "http://127.0.0.1:9/moved")
            #expect(try await world.stored(id) == stored, "an update keeps the secrets")

            let types = try await world.json(["webhooks", "event-types", "--tenant", "acme"])
            let entries = try #require(types["event_types"] as? [[String: Any]])
            #expect(entries.contains { $0["type"] as? String == "delivery.dead" && $0["source"] as? String == "host" && $0["schema"] is [String: Any] })
            #expect(entries.contains { $0["type"] as? String == "sink.posted" && $0["source"] as? String == "webhooks" })

            let attempts = try await world.json(["webhooks", "attempts", "\(id):evt_none", "--tenant", "acme"])
            #expect((attempts["attempts"] as? [Any])?.isEmpty == true)
            let resend = try await world.market(["webhooks", "resend", "\(id):evt_none", "--tenant", "acme"])
            #expect(resend.status != 0 && resend.stderr.contains("DELIVERY_NOT_FOUND"), "\(resend.stderr)")
            let recovered = try await world.json(["webhooks", "recover", id, "--since", "1h", "--tenant", "acme"])
            #expect(recovered["recovered"] as? Int == 0)

            let removed = try await world.market(["webhooks", "endpoints", "remove", id, "--tenant", "acme"])
            #expect(removed.status == 0)
            let gone = try await world.market(["webhooks", "endpoints", "remove", id, "--tenant", "acme"])
            #expect(gone.status != 0 && gone.stderr.contains("WEBHOOK_ENDPOINT_NOT_FOUND"), "\(gone.stderr)")
            let notInstalled = try await world.market(["webhooks", "endpoints", "add", "http://127.0.0.1:9/hook", "--tenant", "bare"])
            #expect(notInstalled.status != 0 && notInstalled.stderr.contains("WEBHOOKS_NOT_INSTALLED"), "\(notInstalled.stderr)")
            let invalid = try await world.market(["webhooks", "endpoints", "add", "http://127.0.0.1:9/hook", "--tenant", "acme", "--types", "Lead.*"])
            #expect(invalid.status != 0 && invalid.stderr.contains("WEBHOOK_ENDPOINT_INVALID"), "\(invalid.stderr)")
        }

        @Test func theAPIAddsListsRotatesUpdatesAndRemovesAnEndpoint() async throws {
            let world = try await World.make()
            let token = try await world.market(["tenant", "token", "acme"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let serve = try ServeProcess(["serve", "--port", "0", "--state-dir", world.state.path, "--plugins", world.plugins.path],
                                         environment: ["DATABASE_URL": world.database, "MARKET_MASTER_KEY": ""])
            defer { serve.signal(SIGKILL) }
            let listening = try await serve.line(within: 120) { $0.contains("\"message\":\"listening\"") }
            let record = try #require(try JSONSerialization.jsonObject(with: Data(listening.utf8)) as? [String: Any])
            let port = try #require((record["port"] as? String).flatMap(Int.init))
            let auth = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
            let base = "/v1/tenants/acme/webhooks"

            let created = try await LoopbackHTTP.request("POST", base + "/endpoints", port: port, headers: auth,
                                                         body: #"{"url":"http://127.0.0.1:9/hook","types":["lead.*"],"rate_per_second":3,"ordered":true}"#)
            #expect(created.status == 201, "\(created.text)")
            let endpoint = try created.json()
            let id = try #require(endpoint["id"] as? String)
            let secret = try #require((endpoint["secrets"] as? [String: Any])?["secret"] as? String)
            #expect(secret.hasPrefix("whsec_") && endpoint["ordered"] as? Bool == true)

            let listed = try await LoopbackHTTP.get(base + "/endpoints", port: port, headers: auth)
            #expect(listed.status == 200 && listed.text.contains(id) && !listed.text.contains("whsec_"), "\(listed.text)")
            let one = try await LoopbackHTTP.get(base + "/endpoints/\(id)", port: port, headers: auth)
            #expect(one.status == 200 && !one.text.contains("whsec_"))

            let rotated = try await LoopbackHTTP.request("POST", base + "/endpoints/\(id)/rotate-secret", port: port, headers: auth, body: #"{"overlap_seconds":600}"#)
            #expect(rotated.status == 200, "\(rotated.text)")
            let secrets = try #require(try rotated.json()["secrets"] as? [String: Any])
            #expect(secrets["previous"] as? String == secret && secrets["overlap_seconds"] as? Int == 600 && secrets["secret"] as? String != secret)

            let patched = try await LoopbackHTTP.request("PATCH", base + "/endpoints/\(id)", port: port, headers: auth,
                                                         body: #"{"description":"sales","rate_per_second":null,"enabled":false}"#)
            #expect(patched.status == 200, "\(patched.text)")
            let after = try patched.json()
            #expect(after["description"] as? String == "sales" && after["rate_per_second"] is NSNull && after["enabled"] as? Bool == false)
            #expect(after["disabled_reason"] as? String != nil)

            let types = try await LoopbackHTTP.get(base + "/event-types", port: port, headers: auth)
            #expect(types.status == 200 && types.text.contains("\"target.disabled\""), "\(types.text)")
            let attempts = try await LoopbackHTTP.get(base + "/messages/\(id):evt_none/attempts", port: port, headers: auth)
            #expect(try attempts.status == 200 && (attempts.json()["attempts"] as? [Any])?.isEmpty == true)
            let resend = try await LoopbackHTTP.request("POST", base + "/messages/\(id):evt_none/resend", port: port, headers: auth)
            #expect(try resend.status == 404 && (resend.json()["code"] as? String) == "DELIVERY_NOT_FOUND")
            let recover = try await LoopbackHTTP.request("POST", base + "/endpoints/\(id)/recover", port: port, headers: auth, body: #"{"since":"2026-01-01T00:00:00Z"}"#)
            #expect(try recover.status == 200 && (recover.json()["recovered"] as? Int) == 0, "\(recover.text)")

            let bad = try await LoopbackHTTP.request("POST", base + "/endpoints", port: port, headers: auth, body: #"{"url":"http://127.0.0.1:9/hook","types":["Lead"]}"#)
            #expect(try bad.status == 422 && (bad.json()["code"] as? String) == "WEBHOOK_ENDPOINT_INVALID", "\(bad.text)")
            let deleted = try await LoopbackHTTP.request("DELETE", base + "/endpoints/\(id)", port: port, headers: auth)
            #expect(deleted.status == 204)
            let missing = try await LoopbackHTTP.get(base + "/endpoints/\(id)", port: port, headers: auth)
            #expect(try missing.status == 404 && (missing.json()["code"] as? String) == "WEBHOOK_ENDPOINT_NOT_FOUND")

            let admin = try await world.market(["tenant", "token", "bare"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let bare = try await LoopbackHTTP.request("POST", "/v1/tenants/bare/webhooks/endpoints", port: port,
                                                      headers: ["Authorization": "Bearer \(admin)", "Content-Type": "application/json"],
                                                      body: #"{"url":"http://127.0.0.1:9/hook"}"#)
            #expect(try bare.status == 409 && (bare.json()["code"] as? String) == "WEBHOOKS_NOT_INSTALLED", "\(bare.text)")
        }
    }
}
