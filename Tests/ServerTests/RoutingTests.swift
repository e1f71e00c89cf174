import Foundation
import HTTPTypes
import MarketCore
@testable import MarketServer
import MarketStore
import PluginRuntime
import MarketTestSupport
import Testing

/// The parts of the server that need no network: route matching, the code-to-status table,
/// request-id rules, and `market serve`'s option checks.
@Suite struct Routing {
    @Test func routeTableMatchesAsTheRouterDoes() {
        let table = RouteTable([Route(.get, "/v1/plugins"), Route(.get, "/v1/plugins/{id}"), Route(.post, "/v1/plugins/{id}"),
                                Route(.get, "/v1/plugins/search")])
        #expect(table.match("/v1/plugins/notes")?.template == "/v1/plugins/{id}")
        #expect(table.match("/v1/plugins/notes")?.methods == [.get, .post])
        // A literal segment wins over a parameter.
        #expect(table.match("/v1/plugins/search")?.template == "/v1/plugins/search")
        #expect(table.match("/v1/plugins/")?.template == "/v1/plugins")
        #expect(table.match("/v1/plugins/notes/extra") == nil)
        #expect(table.match("/v2/plugins") == nil)
    }

    @Test func aCatchAllRouteTakesTheRestOfThePath() {
        let hook = Route(.post, "/hooks/{hook}/{path}", catchAll: true)
        #expect(hook.routerPath == "/hooks/{hook}/**" && hook.description == "POST /hooks/{hook}/{path}")
        let table = RouteTable([hook, Route(.get, "/hooks/{hook}/{path}", catchAll: true)])
        #expect(table.match("/hooks/hk_1/src_2")?.template == "/hooks/{hook}/{path}")
        #expect(table.match("/hooks/hk_1/a/b/c")?.methods == [.post, .get])
        #expect(table.match("/hooks/hk_1") == nil)
        #expect(HookRoutes.below("/hooks/hk_1/src_2", query: nil) == "/src_2")
        #expect(HookRoutes.below("/hooks/hk_1/a/b/", query: "x=1&y=%20") == "/a/b/?x=1&y=%20")
        #expect(HookRoutes.below("/hooks/hk_1", query: "") == "/")
        #expect(ProblemStatus.status(for: .hookBodyTooLarge) == .contentTooLarge && ProblemStatus.status(for: .hookNotFound) == .notFound)
    }

    @Test func everyCodeHasOneStatusAndUnknownCodesAre500() {
        #expect(ProblemStatus.status(for: .pluginNotFound) == .notFound)
        #expect(ProblemStatus.status(for: .badRequest) == .badRequest)
        #expect(ProblemStatus.status(for: .migrationPending) == .serviceUnavailable)
        #expect(ProblemStatus.status(for: .databaseUnavailable) == .serviceUnavailable)
        #expect(ProblemStatus.status(for: .timeout) == .gatewayTimeout)
        #expect(ProblemStatus.status(for: MarketError.Code(rawValue: "SOMETHING_NEW")) == .internalServerError)
        #expect(Problem(.pluginNotFound, "x").status == .notFound)
    }

    @Test func errorsOfEveryKindBecomeProblems() {
        #expect(ProblemMiddleware.problem(for: MarketError(.databaseUnavailable, "down", fix: "start it")).status == .serviceUnavailable)
        // The database's own words (a socket path, a host) stay in the log.
        let unavailable = ProblemMiddleware.problem(for: MarketError(.databaseUnavailable, "cannot connect: /run/pg/.s.PGSQL.5432", fix: "start it"))
        #expect(unavailable.code == .databaseUnavailable)
        #expect(unavailable.detail == "the database is unavailable right now")
        #expect(!unavailable.fix.contains("start it"))
        struct Unexpected: Error {}
        let failure = ProblemMiddleware.problem(for: Unexpected())
        #expect(failure.status == .internalServerError)
        #expect(failure.code == .internalError)
        // The cause stays in the log: the body says only that the server failed.
        #expect(!failure.detail.contains("Unexpected"))
    }

    @Test func requestIDRules() {
        #expect(RequestIDMiddleware.isUsable("lb-42.abc:1_x"))
        #expect(!RequestIDMiddleware.isUsable(""))
        #expect(!RequestIDMiddleware.isUsable("a b"))
        #expect(!RequestIDMiddleware.isUsable("é"))
        #expect(!RequestIDMiddleware.isUsable(String(repeating: "a", count: 129)))
        let made = RequestIDMiddleware.generate()
        #expect(made.count == 32 && made.allSatisfy(\.isHexDigit) && made != RequestIDMiddleware.generate())
    }

    @Test func serveRefusesBadOptionsWithAFix() async throws {
        let market = buildProductsDirectory.appendingPathComponent("market").path
        let port = try await runProcess(market, ["serve", "--port", "70000"])
        #expect(port.status != 0)
        #expect(port.stderr.contains("--port must be between 0 and 65535"))
        let plugins = try await runProcess(market, ["serve", "--plugins", "/nonexistent/plugins"])
        #expect(plugins.status != 0)
        #expect(plugins.stderr.contains("is not a folder"))
        let lease = try await runProcess(market, ["serve", "--telegram-lease", "0"])
        #expect(lease.status != 0)
        #expect(lease.stderr.contains("--telegram-lease must be 1 to 3600 seconds"))
        let help = try await runProcess(market, ["serve", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--telegram-lease") && help.stdout.contains("/telegram/"))
        #expect(help.stdout.contains("--state-dir") && help.stdout.contains("SIGTERM"))
    }
}
