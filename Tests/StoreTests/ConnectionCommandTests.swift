import Foundation
import MarketCore
import MarketTestSupport
import Testing

extension DatabaseTests {
    /// `market connections set|list|remove` run from the built executable, as an operator would.
    @Suite struct ConnectionCommandTests {
        typealias Session = TenantCommandTests.Session

        @Test func setListAndRemoveAConnectionWithTheValueOnStandardInput() async throws {
            let session = try await Session.make()
            #expect(try await session.run(["tenant", "create", "acme"]).status == 0)
            let canary = "amo-token-canary-\(UUID().uuidString)"

            let stored = try await session.run(["connections", "set", "crm", "--tenant", "acme", "--token"], input: canary + "\n")
            #expect(stored.status == 0, "\(stored.stderr)")
            #expect(stored.stdout == "stored the token connection of crm for tenant acme\n")
            let listed = try await session.json(["connections", "list", "--tenant", "acme"])
            guard case .array(let rows) = listed, let row = rows.first else { Issue.record("not a list: \(listed)"); return }
            #expect(rows.count == 1 && row["plugin_id"] == .string("crm") && row["kind"] == .string("token") && row["status"] == .string("connected"))
            let text = try await session.run(["connections", "list", "--tenant", "acme"])
            #expect(text.stdout == "crm  token  connected\n")
            #expect(!(stored.stdout + stored.stderr + text.stdout + "\(listed)").contains(canary))

            // Neither both kinds nor none; an empty value is refused with its code.
            let both = try await session.run(["connections", "set", "crm", "--tenant", "acme", "--token", "--api-key"], input: "x")
            #expect(both.status != 0 && both.stderr.contains("give exactly one of --api-key and --token"))
            let empty = try await session.run(["connections", "set", "crm", "--tenant", "acme", "--api-key"], input: "\n")
            #expect(empty.status != 0 && empty.stderr.contains("CONNECTION_INVALID"), "\(empty.stderr)")
            let unknown = try await session.run(["connections", "set", "nosuch", "--tenant", "acme", "--api-key"], input: "k")
            #expect(unknown.status != 0 && unknown.stderr.contains("PLUGIN_NOT_FOUND"), "\(unknown.stderr)")

            let removed = try await session.run(["connections", "remove", "crm", "--tenant", "acme"])
            #expect(removed.status == 0 && removed.stdout == "removed the connection of crm for tenant acme\n", "\(removed.stderr)")
            let again = try await session.run(["connections", "remove", "crm", "--tenant", "acme"])
            #expect(again.status != 0 && again.stderr.contains("CONNECTION_NOT_FOUND"), "\(again.stderr)")
            let audit = try await session.json(["audit", "--tenant", "acme"])
            guard case .array(let entries) = audit else { Issue.record("not a list: \(audit)"); return }
            let actions = entries.compactMap { entry -> String? in
                guard case .string(let action)? = entry["action"], action.hasPrefix("connection.") else { return nil }
                return action
            }
            #expect(actions == ["connection.disconnect", "connection.connect"])
            session.close()
        }

        /// `market connections authorize` says what is missing: where browsers reach serve, and
        /// an `oauth2` declaration (crm takes keys and tokens). The sign-in itself:
        /// `ServerTests.ConnectionSignInServe`.
        @Test func authorizingNamesWhatIsMissing() async throws {
            let session = try await Session.make()
            #expect(try await session.run(["tenant", "create", "acme"]).status == 0)
            let noBase = try await session.run(["connections", "authorize", "crm", "--tenant", "acme"], environment: ["MARKET_PUBLIC_URL": ""])
            #expect(noBase.status != 0 && noBase.stderr.contains("--redirect-base"), "\(noBase.stderr)")
            let noOAuth = try await session.run(["connections", "authorize", "crm", "--tenant", "acme", "--redirect-base", "https://market.example.com"])
            #expect(noOAuth.status != 0 && noOAuth.stderr.contains("CONNECTION_INVALID") && noOAuth.stderr.contains("declares no oauth2"), "\(noOAuth.stderr)")
            #expect(!"\(try await session.json(["audit", "--tenant", "acme"]))".contains("connection."), "nothing was changed")
            session.close()
        }
    }
}
