import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// `market tenant|enable|disable|config|secret|audit` run as a user would, from the built
    /// executable, on a fresh database (DATABASE_URL) with the test CRM installed in the state
    /// directory as `market install` leaves plugins.
    @Suite struct TenantCommandTests {
        struct Session {
            let state: URL
            let databaseURL: String

            static func make() async throws -> Session {
                let state = try temporaryDirectory("tenant-cli")
                // Installed the way the registry installs: plugins/<id>/<version>, and a `current` link.
                let version = state.appendingPathComponent("plugins/crm/1.0.0")
                try FileManager.default.createDirectory(at: version, withIntermediateDirectories: true)
                try Data(TenantFixture.crmManifest.utf8).write(to: version.appendingPathComponent("plugin.json"))
                try FileManager.default.createSymbolicLink(atPath: state.appendingPathComponent("plugins/crm/current").path, withDestinationPath: "1.0.0")
                let session = Session(state: state, databaseURL: try await freshDatabase())
                // As an operator would on a new database: only `db migrate` and `serve` migrate.
                let migrated = try await session.run(["db", "migrate"])
                #expect(migrated.status == 0, "\(migrated.stderr)")
                return session
            }

            /// Runs `market ARGS --state-dir STATE`, optionally with `input` on standard input.
            func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) async throws -> ProcessOutput {
                let market = buildProductsDirectory.appendingPathComponent("market").path
                var env = ["DATABASE_URL": databaseURL, "MARKET_MASTER_KEY": "", "USER": "operator"]
                env.merge(environment) { _, new in new }
                let full = arguments + ["--state-dir", state.path]
                guard let input else { return try await runProcess(market, full, environment: env) }
                // The runner gives children /dev/null as standard input; a shell pipes the text in.
                env["MARKET_TEST_INPUT"] = input
                let quoted = ([market] + full).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
                return try await runProcess("/bin/sh", ["-c", "printf %s \"$MARKET_TEST_INPUT\" | " + quoted], environment: env)
            }

            func json(_ arguments: [String]) async throws -> JSONValue {
                let output = try await run(arguments + ["--json"])
                #expect(output.status == 0, "\(arguments): \(output.stderr)")
                return try JSONValue(parsing: output.stdout)
            }

            func close() { try? FileManager.default.removeItem(at: state) }
        }

        @Test func tenantsAndTokens() async throws {
            let session = try await Session.make()
            let created = try await session.run(["tenant", "create", "acme", "--name", "Acme Inc"])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout == "created tenant acme (Acme Inc)\n")
            // The first command on a new database makes the admin token and prints it, once.
            #expect(created.stderr.contains("created the admin token tok_"))
            let adminToken = try #require(created.stderr.split(separator: "\n").first { $0.hasPrefix("mka_") })
            #expect(adminToken.count == 47)
            let again = try await session.run(["tenant", "create", "globex"])
            #expect(again.status == 0 && !again.stderr.contains("admin token"))

            guard case .array(let tenants) = try await session.json(["tenant", "list"]) else { Issue.record("not a list"); return }
            #expect(tenants.map { $0["id"] } == [.string("acme"), .string("globex")])
            #expect(tenants.map { $0["name"] } == [.string("Acme Inc"), .string("globex")])
            #expect(tenants.allSatisfy { if case .string(let date)? = $0["created_at"] { date.hasSuffix("Z") } else { false } })

            let token = try await session.run(["tenant", "token", "acme", "--label", "portal"])
            #expect(token.status == 0)
            let value = token.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(value.hasPrefix("mkt_") && value.count == 47)
            let tokens = try await session.json(["tenant", "token", "acme", "--list"])
            guard case .array(let listed) = tokens, listed.count == 1, case .string(let id)? = listed[0]["id"] else {
                Issue.record("expected one token: \(tokens.jsonText)")
                return
            }
            #expect(listed[0]["label"] == .string("portal") && listed[0]["revoked_at"] == nil)
            #expect(!tokens.jsonText.contains(value))

            let revoked = try await session.run(["tenant", "token", "acme", "--revoke", id])
            #expect(revoked.stdout == "revoked token \(id) of tenant acme\n")
            guard case .array(let after) = try await session.json(["tenant", "token", "acme", "--list"]) else { Issue.record("not a list"); return }
            #expect(after.first?["revoked_at"] != nil)
            let wrong = try await session.run(["tenant", "token", "globex", "--revoke", id])
            #expect(wrong.status == 1 && wrong.stderr.contains("error: TOKEN_NOT_FOUND") && wrong.stderr.contains("fix: "))

            let admin = try await session.run(["tenant", "token", "--admin", "--label", "ops"])
            #expect(admin.status == 0 && admin.stdout.hasPrefix("mka_"), "\(admin.stderr)")
            let admins = try await session.run(["tenant", "token", "--admin", "--list"])
            #expect(admins.stdout.split(separator: "\n").count == 3, "a header, the first admin token and ops: \(admins.stdout)")
            #expect(admins.stdout.contains("ops"))
            let both = try await session.run(["tenant", "token", "acme", "--admin"])
            #expect(both.status != 0 && both.stderr.contains("name a tenant, or give --admin"))

            let taken = try await session.run(["tenant", "create", "acme"])
            #expect(taken.status == 1 && taken.stderr.contains("error: TENANT_EXISTS"))
            let invalid = try await session.run(["tenant", "create", "Not Valid"])
            #expect(invalid.status != 0 && invalid.stderr.contains("is not a tenant id"))
            session.close()
        }

        @Test func configEnableSecretsAndAudit() async throws {
            let session = try await Session.make()
            _ = try await session.run(["tenant", "create", "acme"])
            let secret = "tok-" + UUID().uuidString

            // Values are JSON when they parse, strings otherwise; secret fields are shown masked.
            let set = try await session.run(["config", "crm", "--tenant", "acme", "workspace=acme", "api_token=\(secret)", "page_size=50"])
            #expect(set.status == 0, "\(set.stderr)")
            #expect(set.stdout.contains("crm for tenant acme (disabled):"))
            #expect(set.stdout.contains("\"api_token\" : \"********\""))
            #expect(set.stdout.contains("\"page_size\" : 50"))
            #expect(set.stdout.contains("\"region\" : \"eu\""))

            let refused = try await session.run(["config", "crm", "--tenant", "acme", "workspace=Bad", "page_size=500", "colour=red", "api_token=\(secret)x"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("""
                error: CONFIG_INVALID: the config of crm for tenant acme is invalid:
                  /colour: is not a known setting (known: api_token, page_size, region, workspace)
                  /page_size: must be <= 100
                  /workspace: must match the pattern ^[a-z]+$
                fix: 
                """))
            let shown = try await session.json(["config", "crm", "--tenant", "acme"])
            #expect(shown["config"] == .object(["workspace": .string("acme"), "page_size": .number(50), "region": .string("eu"), "api_token": .string("********")]))
            #expect(shown["enabled"] == .bool(false))

            let enabled = try await session.run(["enable", "crm", "--tenant", "acme"])
            #expect(enabled.stdout == "enabled crm for tenant acme\n", "\(enabled.stderr)")

            let stored = try await session.run(["secret", "set", "crm", "webhook_secret", "--tenant", "acme"], input: secret + "-hook\n")
            #expect(stored.status == 0, "\(stored.stderr)")
            #expect(stored.stdout == "stored secret webhook_secret of crm for tenant acme\n")
            let names = try await session.json(["secret", "list", "crm", "--tenant", "acme"])
            #expect(names == .object(["stored": .array([.string("api_token"), .string("webhook_secret")]),
                                      "allowed": .array([.string("api_token"), .string("webhook_secret")])]))
            let notAllowed = try await session.run(["secret", "set", "crm", "api_key", "--tenant", "acme", "--value", secret])
            #expect(notAllowed.status == 1 && notAllowed.stderr.contains("error: SECRET_NOT_ALLOWED"))

            let disabled = try await session.run(["disable", "crm", "--tenant", "acme"])
            #expect(disabled.stdout == "disabled crm for tenant acme\n")

            let audit = try await session.json(["audit", "--tenant", "acme"])
            guard case .array(let entries) = audit else { Issue.record("audit is not a list"); return }
            #expect(entries.compactMap { if case .string(let action)? = $0["action"] { action } else { nil } } == [
                "plugin.disable", "secret.set", "plugin.enable", "config.set", "tenant.create",
            ])
            #expect(entries.allSatisfy { $0["actor"] == .string("cli:operator") })
            let text = try await session.run(["audit"])
            #expect(text.stdout.contains("acme  cli:operator  secret.set plugin:crm {\"name\":\"webhook_secret\"}"))

            // The value was never printed, and is not in the database's clear text.
            let outputs = [set, refused, enabled, stored, notAllowed, disabled, text].map { $0.stdout + $0.stderr }.joined() + audit.jsonText + shown.jsonText
            #expect(!outputs.contains(secret))
            // The master key file was made in the state directory, private to its owner.
            let mode = try FileManager.default.attributesOfItem(atPath: session.state.appendingPathComponent("master.key").path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            session.close()
        }

        @Test func errorsSayWhatToDo() async throws {
            let session = try await Session.make()
            _ = try await session.run(["tenant", "create", "acme"])
            let unknown = try await session.run(["enable", "nothing", "--tenant", "acme"])
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains("error: PLUGIN_NOT_FOUND: no plugin nothing is installed"))
            #expect(unknown.stderr.contains("fix: install it with `market install nothing`, or point --plugins at a folder"))
            // Development folders are read besides the installed plugins.
            let plugins = TenantFixture.packageRoot.appendingPathComponent("Plugins").path
            let openai = try await session.run(["enable", "openai", "--tenant", "acme", "--plugins", plugins])
            #expect(openai.stderr.contains("  /model: is required"))
            let configured = try await session.run(["config", "openai", "--tenant", "acme", "--plugins", plugins, "model=gpt-4o-mini", "temperature=0.5"])
            #expect(configured.status == 0, "\(configured.stderr)")
            #expect(try await session.run(["enable", "openai", "--tenant", "acme", "--plugins", plugins]).status == 0)
            let noTenant = try await session.run(["config", "crm", "--tenant", "nobody", "workspace=x"])
            #expect(noTenant.stderr.contains("error: TENANT_NOT_FOUND") && noTenant.stderr.contains("market tenant create nobody"))
            let badKey = try await session.run(["tenant", "list"], environment: ["MARKET_MASTER_KEY": "c2hvcnQ="])
            #expect(badKey.status == 1 && badKey.stderr.contains("error: MASTER_KEY_INVALID"))
            let noSetting = try await session.run(["config", "crm", "--tenant", "acme", "=x"])
            #expect(noSetting.status != 0 && noSetting.stderr.contains("settings are name=value"))
            session.close()
        }
    }
}

extension DatabaseTests.TenantCommandTests {
    @Test func theConfigOfAPluginWithNothingStoredShowsItsDefaults() async throws {
        let session = try await Session.make()
        _ = try await session.run(["tenant", "create", "acme"])
        let text = try await session.run(["config", "crm", "--tenant", "acme"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("crm for tenant acme (not configured yet; the defaults):\n"))
        #expect(text.stdout.contains("to set before enabling: /api_token, /workspace"))
        let json = try await session.json(["config", "crm", "--tenant", "acme"])
        #expect(json["config"] == .object(["page_size": .number(25), "region": .string("eu")]))
        #expect(json["stored"] == .bool(false) && json["enabled"] == .bool(false))
        #expect(json["missing"] == .array([.string("/api_token"), .string("/workspace")]))
        // Still an error for a tenant that does not exist.
        let noTenant = try await session.run(["config", "crm", "--tenant", "nobody"])
        #expect(noTenant.status == 1 && noTenant.stderr.contains("error: TENANT_NOT_FOUND"), "\(noTenant.stderr)")
        session.close()
    }
}
