import ArgumentParser
import Foundation
import MarketStore

/// `market tenant token ID [--label L] [--list] [--revoke TOKEN_ID]`
struct TenantTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make an API token for a tenant (printed once), list its tokens, or revoke one.",
        discussion: """
            Tokens are stored as SHA-256 hashes: a token's value is shown only when it is made. \
            Examples: market tenant token acme --label portal; market tenant token acme --list; \
            market tenant token acme --revoke tok_0123456789abcdef
            """
    )

    @Argument(help: "The tenant.")
    var tenant: String

    @Option(help: "What the new token is for, shown in lists.")
    var label: String = ""

    @Flag(help: "List the tenant's tokens (without their values) instead of making one.")
    var list = false

    @Option(help: ArgumentHelp("Revoke the token with this id instead of making one.", valueName: "token-id"))
    var revoke: String?

    @OptionGroup var options: TenantOptions

    func validate() throws {
        guard !(list && revoke != nil) else { throw ValidationError("--list and --revoke cannot be combined") }
        guard label.isEmpty || (!list && revoke == nil) else { throw ValidationError("--label is for making a token") }
    }

    func run() async throws {
        try await reportingTenantErrors {
            try await options.withStore { store, principal in
                if let revoke {
                    let info = try await store.revokeToken(revoke, tenant: tenant, by: principal)
                    if options.json { try options.printJSON(encoding: info) } else { print("revoked token \(info.id) of tenant \(tenant)") }
                } else if list {
                    let tokens = try await store.tokens(tenant: tenant, by: principal)
                    if options.json {
                        try options.printJSON(encoding: tokens)
                    } else if tokens.isEmpty {
                        print("tenant \(tenant) has no tokens (market tenant token \(tenant) makes one)")
                    } else {
                        print("ID                    CREATED               LAST USED             REVOKED               LABEL")
                        for token in tokens {
                            print("\(token.id)  \(shortDate(token.createdAt))  \(shortDate(token.lastUsedAt).padding(toLength: 20, withPad: " ", startingAt: 0))  \(shortDate(token.revokedAt).padding(toLength: 20, withPad: " ", startingAt: 0))  \(token.label)")
                        }
                    }
                } else {
                    let issued = try await store.createToken(tenant: tenant, label: label, by: principal)
                    if options.json {
                        try options.printJSON(encoding: IssuedTokenOutput(id: issued.info.id, tenantID: tenant, label: issued.info.label, token: issued.token))
                    } else {
                        FileHandle.standardError.write(Data("made token \(issued.info.id) for tenant \(tenant); it is shown only now, keep it safe:\n".utf8))
                        print(issued.token)
                    }
                }
            }
        }
    }
}

/// `--json` output for a new token.
private struct IssuedTokenOutput: Encodable {
    let id: String
    let tenantID: String
    let label: String
    let token: String
}
