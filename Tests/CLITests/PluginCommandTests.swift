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

    @Test func inspectShowsTheConfigSchemaAndNeedsNoConfigToRun() async throws {
        // openai requires "model" and has no default for it: inspect still works and says so.
        let home = try temporaryDirectory("home").path
        let text = try await MarketBinary.run(["plugin", "inspect", try plugin("openai"), "--state-dir", home])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("config:\n"))
        #expect(text.stdout.contains("  model (string, required) — The model to ask unless a request names one."))
        #expect(text.stdout.contains("  max_retries (integer, default 2)"))
        #expect(text.stdout.contains("not listed: the plugin needs settings to start: /model: is required"))
        let json = try await MarketBinary.run(["plugin", "inspect", try plugin("openai"), "--json", "--state-dir", home])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["config_schema"] as? [String: Any])?["required"] as? [String] == ["model"])
        #expect(object["needs"] as? [String] == ["/model: is required"])
        // With the setting given, the instance starts as before.
        let configured = try await MarketBinary.run(["plugin", "inspect", try plugin("openai"), "--config", #"{"model":"m"}"#, "--state-dir", home])
        #expect(configured.status == 0, "\(configured.stderr)")
        #expect(!configured.stdout.contains("not listed"))
    }

    @Test func aFailingToolPrintsTheCodeAndExitsNonZero() async throws {
        let output = try await MarketBinary.run(["plugin", "call", try plugin("textkit"), "fetch_status", #"{"url":"http://example.com/"}"#,
                                           "--state-dir", try temporaryDirectory("home").path])
        #expect(output.status == 1)
        #expect(output.stderr.contains("error: PLUGIN_FAILED"))
        #expect(output.stderr.contains("PERMISSION_DENIED"))
        #expect(output.stdout.isEmpty)
    }

    @Test func callValidatesTheConfigAsATenantsInstallationDoes() async throws {
        let output = try await MarketBinary.run(["plugin", "call", try plugin("dice"), "roll", "--config", #"{"max_dice":0}"#,
                                                 "--state-dir", try temporaryDirectory("home").path])
        #expect(output.status == 1)
        #expect(output.stderr.contains("error: CONFIG_INVALID"), "\(output.stderr)")
        #expect(output.stderr.contains("/max_dice: must be >= 1"))
        #expect(output.stdout.isEmpty)
    }

    @Test func callFillsInTheConfigSchemasDefaults() async throws {
        // A copy of dice whose schema's default for max_dice is 2: the plugin must get it.
        let folder = try temporaryDirectory("dice-copy").appendingPathComponent("dice")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: try plugin("dice")), to: folder)
        let manifest = folder.appendingPathComponent("plugin.json")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        let changed = text.replacingOccurrences(of: #""default"\s*:\s*100"#, with: #""default": 2"#, options: .regularExpression)
        try #require(changed != text)
        try Data(changed.utf8).write(to: manifest)
        let home = try temporaryDirectory("home").path
        let allowed = try await MarketBinary.run(["plugin", "call", folder.path, "roll", #"{"count":2}"#, "--state-dir", home])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        let refused = try await MarketBinary.run(["plugin", "call", folder.path, "roll", #"{"count":3}"#, "--state-dir", home])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("error: INVALID_ARGUMENT") && refused.stderr.contains("/count: must be <= 2"), "\(refused.stderr)")
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
