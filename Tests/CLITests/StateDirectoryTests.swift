import Foundation
@testable import MarketCLI
import MarketTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Every command finds Market's state in one folder: `--state-dir`, else `$MARKET_HOME`, else
/// `/var/lib/market` for root, else `~/.market`.
@Suite struct StateDirectoryTests {
    /// A database no server answers, so `market serve` stops right after naming its folder.
    static let deadDatabase = "host=/nonexistent-market-socket dbname=market connect_timeout=2"

    /// The folder `market db status` reports for its private cluster, without the `/postgres`.
    func clusterParent(_ environment: [String: String], _ arguments: [String] = []) async throws -> String {
        let status = try await MarketBinary.run(["db", "status"] + arguments, environment: environment.merging(["DATABASE_URL": ""]) { $1 })
        let folder = try #require(status.stdout.components(separatedBy: "cluster in ").dropFirst().first?.components(separatedBy: " ").first,
                                  "printed: \(status.stdout) \(status.stderr)")
        return URL(fileURLWithPath: folder).deletingLastPathComponent().path
    }

    /// The folder `market serve` says it uses.
    func serveFolder(_ environment: [String: String]) async throws -> String {
        let serve = try await runProcess(MarketBinary.path, ["serve", "--port", "0"], environment: environment.merging(["DATABASE_URL": Self.deadDatabase]) { $1 },
                                         killAfter: .seconds(30))
        #expect(serve.status != 0)
        let line = try #require((serve.stdout + "\n" + serve.stderr).split(separator: "\n").first { $0.contains("state directory") },
                                "printed: \(serve.stdout) \(serve.stderr)")
        return String(line)
    }

    @Test func installListDatabaseAndServeShareMarketHome() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = folder.appendingPathComponent("state")
        let environment = ["MARKET_HOME": state.path, "HOME": folder.appendingPathComponent("user").path]
        #expect(try await MarketBinary.run(["keygen", "--out", "keys", "--name", "acme"], in: folder).status == 0)
        let packed = try await MarketBinary.run(["pack", MarketBinary.builtPlugins.appendingPathComponent("textkit").path, "--key", "keys/acme.key", "--out", "dist", "--json"], in: folder)
        let file = try #require((try JSONSerialization.jsonObject(with: Data(packed.stdout.utf8)) as? [String: Any])?["file"] as? String,
                                "build the plugins first: scripts/build-plugins.sh")
        #expect(try await MarketBinary.run(["trust", "add", "keys/acme.pub"], in: folder, environment: environment).status == 0)
        let installed = try await MarketBinary.run(["install", "--from", file], in: folder, environment: environment)
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("market.lock").path))

        #expect(try await MarketBinary.run(["list"], environment: environment).stdout.contains("textkit 1.0.0"))
        #expect(try await clusterParent(environment) == state.path)
        #expect(try await serveFolder(environment).contains(state.path))
        // --state-dir wins over the variable, for every command alike.
        let other = folder.appendingPathComponent("other").path
        #expect(try await MarketBinary.run(["list", "--state-dir", other], environment: environment).stdout.contains("no plugins installed in \(other)"))
        #expect(try await clusterParent(environment, ["--state-dir", other]) == other)
    }

    @Test func withoutTheVariableEveryCommandUsesTheSameDefault() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let home = folder.appendingPathComponent("user")
        // An empty variable counts as unset (a unit file's `Environment=MARKET_HOME=`).
        let environment = ["MARKET_HOME": "", "HOME": home.path]
        let expected = geteuid() == 0 ? "/var/lib/market" : home.appendingPathComponent(".market").path
        #expect(try await clusterParent(environment) == expected)
        #expect(try await serveFolder(environment).contains(expected))
    }

    @Test func theRuleInOrder() {
        let home = URL(fileURLWithPath: "/home/ada")
        #expect(StateDirectory.resolve(option: "/srv/m", environment: ["MARKET_HOME": "/env"], isRoot: true, home: home).path == "/srv/m")
        #expect(StateDirectory.resolve(option: nil, environment: ["MARKET_HOME": "/env"], isRoot: true, home: home).path == "/env")
        #expect(StateDirectory.resolve(option: nil, environment: ["MARKET_HOME": ""], isRoot: true, home: home).path == "/var/lib/market")
        #expect(StateDirectory.resolve(option: nil, environment: [:], isRoot: false, home: home).path == "/home/ada/.market")
    }

    @Test func rootIsToldWhereItsOldStateIs() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let home = folder.appendingPathComponent("root")
        let system = folder.appendingPathComponent("var-lib-market")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".market"), withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: home.appendingPathComponent(".market/market.lock"))
        let notice = try #require(StateDirectory.legacyNotice(option: nil, environment: [:], isRoot: true, home: home, systemFolder: system))
        #expect(notice.contains("\(home.path)/.market holds state"))
        #expect(notice.contains("--state-dir \(home.path)/.market"))
        // Not for other users, not when a folder is chosen, not once the system folder holds state.
        #expect(StateDirectory.legacyNotice(option: nil, environment: [:], isRoot: false, home: home, systemFolder: system) == nil)
        #expect(StateDirectory.legacyNotice(option: "/srv/m", environment: [:], isRoot: true, home: home, systemFolder: system) == nil)
        #expect(StateDirectory.legacyNotice(option: nil, environment: ["MARKET_HOME": "/env"], isRoot: true, home: home, systemFolder: system) == nil)
        try FileManager.default.createDirectory(at: system.appendingPathComponent("plugins"), withIntermediateDirectories: true)
        #expect(StateDirectory.legacyNotice(option: nil, environment: [:], isRoot: true, home: home, systemFolder: system) == nil)
    }
}
