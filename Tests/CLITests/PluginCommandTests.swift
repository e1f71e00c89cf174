import Foundation
import MarketTestSupport
import Testing

/// `market plugin inspect|call|deliver` against the built example plugins.
@Suite struct PluginCommandTests {
    func plugin(_ id: String) throws -> String {
        let url = MarketBinary.builtPlugins.appendingPathComponent(id)
        try #require(FileManager.default.fileExists(atPath: url.path), "run scripts/build-plugins.sh first (the test command does)")
        return url.path
    }

    @Test func callPrintsTheToolsJSONResult() async throws {
        let home = try temporaryDirectory("home")
        let output = try await MarketBinary.run(["plugin", "call", try plugin("textkit"), "word_count", #"{"text":"a b c"}"#, "--state-dir", home.path])
        #expect(output.status == 0, "\(output.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Int]
        #expect(result?["words"] == 3)
    }

    @Test func stateSurvivesBetweenCallsInTheStateDirectory() async throws {
        let home = try temporaryDirectory("home")
        let notes = try plugin("notes")
        try await MarketBinary.run(["plugin", "call", notes, "note_add", #"{"text":"first"}"#, "--state-dir", home.path])
        let output = try await MarketBinary.run(["plugin", "call", notes, "note_list", "--state-dir", home.path])
        #expect(output.stdout.contains("first"), "\(output.stdout) \(output.stderr)")
        let otherTenant = try await MarketBinary.run(["plugin", "call", notes, "note_list", "--state-dir", home.path, "--tenant", "other"])
        #expect(!otherTenant.stdout.contains("first"))
    }

    @Test func deliverAcknowledgesAnEvent() async throws {
        let home = try temporaryDirectory("home")
        let output = try await MarketBinary.run(["plugin", "deliver", try plugin("dice"), "lead.created", #"{"name":"Ada"}"#, "--state-dir", home.path])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.hasPrefix("acknowledged evt_"))
    }

    @Test func inspectAsJSONDescribesThePlugin() async throws {
        let output = try await MarketBinary.run(["plugin", "inspect", try plugin("notes"), "--json", "--state-dir", try temporaryDirectory("home").path])
        #expect(output.status == 0, "\(output.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect((object["capabilities"] as? [String]) == ["market.tools/1", "market.events/1"])
        #expect((object["tools"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["note_add", "note_list", "events_seen"])
        #expect((object["descriptor"] as? [String: Any])?["concurrency"] as? String == "serial")
    }

    @Test func aFailingToolPrintsTheCodeAndExitsNonZero() async throws {
        let output = try await MarketBinary.run(["plugin", "call", try plugin("textkit"), "fetch_status", #"{"url":"http://example.com/"}"#,
                                           "--state-dir", try temporaryDirectory("home").path])
        #expect(output.status == 1)
        #expect(output.stderr.contains("error: PLUGIN_FAILED"))
        #expect(output.stderr.contains("PERMISSION_DENIED"))
        #expect(output.stdout.isEmpty)
    }

    @Test func aBrokenPluginFolderNamesTheFieldAndTheFix() async throws {
        let folder = try temporaryDirectory("broken")
        try Data(#"{"id":"Bad Id","version":"1.0.0"}"#.utf8).write(to: folder.appendingPathComponent("plugin.json"))
        let output = try await MarketBinary.run(["plugin", "inspect", folder.path])
        #expect(output.status == 1)
        #expect(output.stderr.contains("error: MANIFEST_INVALID"))
        #expect(output.stderr.contains("fix: "))
    }

    @Test func badOptionsAreRefusedWithTheReason() async throws {
        let config = try await MarketBinary.run(["plugin", "call", try plugin("textkit"), "word_count", "--config", "[1]"])
        #expect(config.status == 64)
        #expect(config.stderr.contains("--config must be a JSON object"))
        let secret = try await MarketBinary.run(["plugin", "call", try plugin("textkit"), "word_count", "--secret", "novalue"])
        #expect(secret.status == 64)
        #expect(secret.stderr.contains("NAME=VALUE"))
    }
}
