import Foundation
import MarketTestSupport
import Testing

/// scripts/audit.sh without the network (`--offline`): it lists every resolved Swift package,
/// the Debian packages the project installs and the Python tools, each with its version, and
/// says that it checked none of them rather than passing them.
@Suite struct AuditScriptTests {
    static let script = MarketBinary.packageRoot.appendingPathComponent("scripts/audit.sh").path

    @Test func theOfflineAuditListsEveryDependencyWithItsVersion() async throws {
        let output = try await runProcess("bash", [Self.script, "--offline"])
        #expect(output.status == 0, "\(output.stdout)\n\(output.stderr)")
        let lines = output.stdout.split(separator: "\n").map(String.init)

        // Every pin of Package.resolved (written by the build these tests come from), by version.
        let resolved = MarketBinary.packageRoot.appendingPathComponent("Package.resolved")
        let pins = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: resolved)) as? [String: Any])["pins"] as? [[String: Any]]
        #expect(try #require(pins).count > 10)
        for pin in pins ?? [] {
            let identity = try #require(pin["identity"] as? String)
            let version = (pin["state"] as? [String: Any])?["version"] as? String ?? "-"
            #expect(lines.contains { $0.split(separator: " ").prefix(2) == [Substring(identity), Substring(version)] }, "\(identity) \(version) is not listed")
        }
        #expect(output.stdout.contains("advisories: not checked (no Swift advisory source is reachable from here)"))

        // A Debian library the host links and a Python tool of the test command, with the
        // versions their package managers report.
        let libpq = try await runProcess("dpkg-query", ["-W", "-f=${Version}", "libpq5"])
        #expect(lines.contains { $0.split(separator: " ").prefix(2) == ["libpq5", Substring(libpq.stdout)] }, "\(output.stdout)")
        #expect(lines.contains { $0.split(separator: " ").first == "detect-secrets" }, "\(output.stdout)")
        // Offline, nothing is reported as checked.
        let listed = lines.filter { $0.hasPrefix("  ") && !$0.contains("packages; advisories") && !$0.contains("github.com") }
        #expect(listed.count > 20)
        #expect(listed.allSatisfy { $0.hasSuffix("not checked (--offline)") }, "\(listed.filter { !$0.hasSuffix("not checked (--offline)") })")
        #expect(lines.last == "== 0 flagged")
    }
}
