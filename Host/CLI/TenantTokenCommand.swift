import ArgumentParser
import Foundation
import MarketStore

/// `market tenant token ID|--admin [--label L] [--list] [--revoke TOKEN_ID]`
struct TenantTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make an API token for a tenant (printed once), list its tokens, or revoke one; --admin for admin tokens.",
        discussion: """
            Tokens are stored as SHA-256 hashes: a token's value is shown only when it is made. \
            Examples: market tenant token acme --label portal; market tenant token acme --list; \
            market tenant token acme --revoke tok_0123456789abcdef; market tenant token --admin --label ops
            """
    )

    @Argument(help: "The tenant (omit with --admin).")
    var tenant: String?

    @Flag(help: "Work on admin tokens instead of a tenant's (another operator's token, or replacing a lost one).")
    var admin = false

    @Option(help: "What the new token is for, shown in lists.")
    var label: String = ""

    @Flag(help: "List the tokens (without their values) instead of making one.")
    var list = false

    @Option(help: ArgumentHelp("Revoke the token with this id instead of making one.", valueName: "token-id"))
    var revoke: String?

    @OptionGroup var options: TenantOptions

    func validate() throws {
        guard (tenant == nil) == admin else { throw ValidationError("name a tenant, or give --admin (not both)") }
        guard !(list && revoke != nil) else { throw ValidationError("--list and --revoke cannot be combined") }
        guard label.isEmpty || (!list && revoke == nil) else { throw ValidationError("--label is for making a token") }
    }

    func run() async throws {
        let owner = tenant.map { "tenant \($0)" } ?? "admin"
        try await reportingTenantErrors {
            try await options.withStore { store, principal in
                if let revoke {
                    let info = try await store.revokeToken(revoke, tenant: tenant, by: principal)
                    if options.output.json { try options.output.printJSON(encoding: info) } else { print("revoked token \(info.id) of \(owner)") }
                } else if list {
                    let tokens = try await store.tokens(tenant: tenant, by: principal)
                    if options.output.json {
                        try options.output.printJSON(encoding: tokens)
                    } else if tokens.isEmpty {
                        print("\(owner) has no tokens")
                    } else {
                        print("ID                    CREATED               LAST USED             REVOKED               LABEL")
                        for token in tokens {
                            let columns = [shortDate(token.createdAt), shortDate(token.lastUsedAt), shortDate(token.revokedAt)]
                            print(([token.id] + columns.map { $0.padding(toLength: 20, withPad: " ", startingAt: 0) } + [token.label]).joined(separator: "  "))
                        }
                    }
                } else {
                    let issued = try await store.createToken(tenant: tenant, label: label, by: principal)
                    if options.output.json {
                        try options.output.printJSON(encoding: IssuedTokenOutput(id: issued.info.id, role: issued.info.role.rawValue, tenantID: tenant,
                                                                          label: issued.info.label, token: issued.token))
                    } else {
                        FileHandle.standardError.write(Data("made token \(issued.info.id) for \(owner); it is shown only now, keep it safe:\n".utf8))
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
    let role: String
    let tenantID: String?
    let label: String
    let token: String
}
