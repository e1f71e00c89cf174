import Foundation
import MarketTestSupport
import Testing

/// The operator's registry commands print one JSON document with --json, errors included.
@Suite struct RegistryOperatorJSONTests {
    func document(_ output: ProcessOutput) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], "printed: \(output.stdout) \(output.stderr)")
    }

    @Test func keygenInitPackPublishYankRefreshPrintJSON() async throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = { (arguments: [String]) in try await MarketBinary.run(arguments + ["--json"], in: folder) }
        let key = try document(try await run(["keygen", "--out", "keys", "--name", "k"]))
        #expect((key["keyid"] as? String)?.count == 16)
        #expect(key["private_key"] as? String == folder.appendingPathComponent("keys/k.key").path)
        let created = try document(try await run(["registry", "init", "site", "--root-key", "keys/k.key"]))
        #expect(created["root_key"] as? String == key["keyid"] as? String)
        let packed = try document(try await run(["pack", MarketBinary.builtPlugins.appendingPathComponent("textkit").path, "--key", "keys/k.key", "--out", "dist"]))
        let file = try #require(packed["file"] as? String, "build the plugins first: scripts/build-plugins.sh")
        #expect(packed["id"] as? String == "textkit")
        let published = try document(try await run(["publish", file, "--registry", "site", "--key", "keys/k.key"]))
        #expect(published["version"] as? String == "1.0.0")
        let again = try await run(["publish", file, "--registry", "site", "--key", "keys/k.key"])
        #expect(again.status == 1)
        #expect((try document(again)["error"] as? [String: Any])?["code"] as? String == "VERSION_EXISTS")
        #expect(again.stderr.isEmpty)
        let yanked = try document(try await run(["yank", "textkit@1.0.0", "--reason", "broken", "--registry", "site", "--key", "keys/k.key"]))
        #expect(yanked["status"] as? String == "yanked")
        #expect(try document(try await run(["registry", "refresh", "site", "--key", "keys/k.key"]))["status"] as? String == "refreshed")
        let info = try document(try await run(["info", "textkit", "--registry", "site", "--root", "site/root.json", "--state-dir", "home"]))
        #expect((info["versions"] as? [[String: Any]])?.first?["yanked"] as? Bool == true)
    }
}
