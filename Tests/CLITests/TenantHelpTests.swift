import Foundation
import MarketTestSupport
import Testing

/// The tenant commands' help: listed at the top level, with their options and examples.
@Suite struct TenantHelpTests {
    @Test func theTopLevelHelpListsTheTenantCommands() async throws {
        let output = try await MarketBinary.run(["--help"])
        #expect(output.status == 0)
        for command in ["tenant", "enable", "disable", "config", "secret", "connections", "audit"] {
            #expect(output.stdout.contains("  \(command) "), "missing \(command)")
        }
    }

    @Test func subcommandsAndOptionsAreDocumented() async throws {
        let tenant = try await MarketBinary.run(["tenant", "--help"])
        for command in ["create", "list", "token"] { #expect(tenant.stdout.contains("  \(command) "), "missing tenant \(command)") }
        let secret = try await MarketBinary.run(["secret", "--help"])
        for command in ["set", "list", "delete", "rotate-key"] { #expect(secret.stdout.contains("  \(command) "), "missing secret \(command)") }
        #expect(secret.stdout.contains("MARKET_MASTER_KEY"))

        let config = try await MarketBinary.run(["config", "--help"])
        for option in ["--tenant", "--replace", "--plugins", "--state-dir", "--json", "<name=value> ..."] {
            #expect(config.stdout.contains(option), "config lacks \(option)")
        }
        #expect(config.stdout.contains("market config openai --tenant acme model=gpt-4o-mini temperature=0.2"))
        let token = try await MarketBinary.run(["tenant", "token", "--help"])
        for option in ["--label", "--list", "--revoke"] { #expect(token.stdout.contains(option), "token lacks \(option)") }
        let connections = try await MarketBinary.run(["connections", "--help"])
        for command in ["set", "list", "remove"] { #expect(connections.stdout.contains("  \(command) "), "missing connections \(command)") }
        let connectionSet = try await MarketBinary.run(["connections", "set", "--help"])
        #expect(connectionSet.stdout.contains("--api-key") && connectionSet.stdout.contains("--token") && connectionSet.stdout.contains("standard input"))
        #expect(!connectionSet.stdout.contains("--value"), "a connection's value is never an argument")
        let set = try await MarketBinary.run(["secret", "set", "--help"])
        #expect(set.stdout.contains("--value") && set.stdout.contains("standard input"))
        let rotate = try await MarketBinary.run(["secret", "rotate-key", "--help"])
        for text in ["--new-key-file", "--state-dir", "--json", "MARKET_MASTER_KEY"] {
            #expect(rotate.stdout.contains(text), "rotate-key lacks \(text)")
        }
    }

    @Test func theHooksCommandsAreListedWithTheirOptions() async throws {
        #expect(try await MarketBinary.run(["--help"]).stdout.contains("  hooks "))
        let hooks = try await MarketBinary.run(["hooks", "--help"])
        for command in ["list", "rotate"] { #expect(hooks.stdout.contains("  \(command) "), "missing hooks \(command)") }
        #expect(hooks.stdout.contains("/hooks/<id>/"))
        let rotate = try await MarketBinary.run(["hooks", "rotate", "--help"])
        for text in ["<plugin>", "--tenant", "--plugins", "--json"] { #expect(rotate.stdout.contains(text), "hooks rotate lacks \(text)") }
    }

    @Test func badArgumentsAreRefusedBeforeTouchingADatabase() async throws {
        let noTenant = try await MarketBinary.run(["enable", "notes"], environment: ["DATABASE_URL": "host=/nonexistent dbname=x"])
        #expect(noTenant.status != 0 && noTenant.stderr.contains("--tenant"))
        let both = try await MarketBinary.run(["tenant", "token", "acme", "--list", "--revoke", "tok_1"], environment: ["DATABASE_URL": "host=/nonexistent dbname=x"])
        #expect(both.status != 0 && both.stderr.contains("--list and --revoke cannot be combined"))
        let limit = try await MarketBinary.run(["audit", "--limit", "0"], environment: ["DATABASE_URL": "host=/nonexistent dbname=x"])
        #expect(limit.status != 0 && limit.stderr.contains("--limit must be between 1 and 1000"))
    }
}
