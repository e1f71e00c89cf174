import ArgumentParser
import Foundation
import MarketCore
import MarketStore

/// `market connections authorize PLUGIN --tenant T --redirect-base URL`: starts an OAuth2 sign-in.
struct ConnectionAuthorizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authorize",
        abstract: "Start signing a tenant in to a plugin's service (OAuth2): prints the link to open in a browser.",
        discussion: """
            For plugins whose manifest declares oauth2. The tenant first stores the client id and secret of the \
            integration it registered with the provider (`market secret set PLUGIN oauth_client_id --tenant T`, then \
            oauth_client_secret), registered with the redirect URI REDIRECT_BASE/oauth/callback. After consent the \
            provider sends the browser to that address on `market serve` (any replica), which stores the tokens; \
            serve then refreshes them ahead of expiry. The link works for 10 minutes, once. See docs/connections.md.
            """
    )

    @Argument(help: "The plugin's id.")
    var plugin: String

    @Option(help: "The tenant.")
    var tenant: String

    @Option(help: ArgumentHelp("The address browsers reach market serve at, e.g. https://market.example.com (or $MARKET_PUBLIC_URL).",
                               valueName: "url"))
    var redirectBase: String?

    @OptionGroup var options: TenantOptions

    func run() async throws {
        try await reportingTenantErrors {
            guard let base = redirectBase ?? ProcessInfo.processInfo.environment["MARKET_PUBLIC_URL"], !base.isEmpty else {
                throw MarketError(.connectionInvalid, "market does not know the address browsers reach market serve at",
                                  fix: "give --redirect-base https://market.example.com (or set MARKET_PUBLIC_URL)")
            }
            let redirectURI = ConnectionStore.redirectURI(base: base)
            let started = try await options.withConnections { connections, principal in
                try await connections.beginAuthorization(plugin: plugin, tenant: tenant, redirectURI: redirectURI, by: principal)
            }
            if options.output.json {
                try options.output.printJSON(encoding: ["url": started.url, "redirect_uri": redirectURI,
                                                        "expires_at": ISO8601DateFormatter().string(from: started.expiresAt)])
            } else {
                print("open this link to sign tenant \(tenant) in to \(plugin)'s service (it works once, for 10 minutes):")
                print(started.url)
            }
        }
    }
}
