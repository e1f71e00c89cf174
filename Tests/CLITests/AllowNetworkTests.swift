import ArgumentParser
import Foundation
@testable import MarketCLI
import MarketHTTP
import MarketTestSupport
import Testing

/// `market serve --allow-network` and `MARKET_ALLOW_NETWORK`: the address ranges plugins'
/// requests behind a wildcard network grant may still reach.
@Suite struct AllowNetworkTests {
    @Test func theOptionWinsOverTheEnvironmentWhichWinsOverNothing() throws {
        let given = try AllowNetworkOptions.parse(["--allow-network", "loopback,private,link-local"])
        #expect(try given.ranges(environment: ["MARKET_ALLOW_NETWORK": "all"]) == [.loopback, .private, .linkLocal])
        let absent = try AllowNetworkOptions.parse([])
        #expect(try absent.ranges(environment: ["MARKET_ALLOW_NETWORK": "loopback"]) == [.loopback])
        #expect(try absent.ranges(environment: [:]) == [])
    }

    @Test func serveRefusesAnUnknownRangeAndNamesTheKnownOnes() async throws {
        for (arguments, environment) in [(["--allow-network", "loopback,lan"], [:]), ([], ["MARKET_ALLOW_NETWORK": "lan"])] {
            let serve = try await MarketBinary.run(["serve", "--port", "0"] + arguments, environment: environment)
            #expect(serve.status != 0)
            #expect(serve.stderr.contains("'lan' is not an address range"), "\(serve.stderr)")
            #expect(serve.stderr.contains("loopback, private, link-local"), "\(serve.stderr)")
        }
    }

    @Test func serveHelpShowsTheOption() async throws {
        let output = try await MarketBinary.run(["serve", "--help"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("--allow-network <ranges>"))
        #expect(output.stdout.contains("MARKET_ALLOW_NETWORK"))
    }
}
