import Foundation
import MarketTestSupport
import Testing

/// Downloads draw a bar on standard error when it is a terminal, and nothing otherwise.
@Suite struct ProgressBarTests {
    @Test func aTerminalSeesTheBarAPipeDoesNot() async throws {
        let folder = try TemporaryFolder()
        let market = buildProductsDirectory.appendingPathComponent("market").path
        #expect(try await runProcess(market, ["keygen", "--out", "keys", "--name", "k"], in: folder.url).status == 0)
        #expect(try await runProcess(market, ["registry", "init", "site", "--root-key", "keys/k.key"], in: folder.url).status == 0)
        let build = try await runProcess(market, ["registry", "build", "site", "--key", "keys/k.key", "--plugins", CommandLineTests.builtPlugins.path], in: folder.url)
        #expect(build.stdout.contains("published textkit"), "build the plugins first: scripts/build-plugins.sh")
        let server = try LoopbackServer(serving: folder.path("site"))
        defer { server.stop() }
        let install = ["install", "textkit", "--registry", server.baseURL, "--root", "site/root.json"]

        let piped = try await runProcess(market, install + ["--state-dir", "piped"], in: folder.url)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stderr.isEmpty, "\(piped.stderr)")

        // script(1) runs the command on a pseudo-terminal and copies what it shows.
        let command = ([market] + install + ["--state-dir", "terminal"]).map { "'\($0)'" }.joined(separator: " ")
        let terminal = try await runProcess("/usr/bin/script", ["-qec", command, "/dev/null"], in: folder.url)
        #expect(terminal.status == 0, "\(terminal.stdout)")
        #expect(terminal.stdout.contains("textkit  [####################] 100%"), "\(terminal.stdout)")
        // A package of some kilobytes is measured in kB, never as "0.0/0.0 MB".
        #expect(!terminal.stdout.contains("0.0/0.0 MB"), "\(terminal.stdout)")
        #expect(terminal.stdout.contains(" kB") || terminal.stdout.contains(" MB"), "\(terminal.stdout)")
        #expect(terminal.stdout.contains("installed textkit 1.0.0"))
    }
}
