import Foundation
import MarketTestSupport
import Testing

/// `market new` makes a project outside the repository that builds with one command into a
/// bundle the host loads and calls.
@Suite struct NewCommandTests {
    @Test(arguments: ["c", "rust", "swift"])
    func aNewProjectBuildsAndItsToolAnswers(language: String) async throws {
        let workspace = try temporaryDirectory("new-\(language)")
        let created = try await MarketBinary.run(["new", "--lang", language, "hello-\(language)"], in: workspace)
        #expect(created.status == 0, "\(created.stderr)")
        let project = workspace.appendingPathComponent("hello-\(language)")
        let manifest = try String(contentsOf: project.appendingPathComponent("plugin.json"), encoding: .utf8)
        #expect(manifest.contains("\"id\": \"hello-\(language)\""))
        #expect(!manifest.contains("__"), "a placeholder was left in plugin.json")
        // docs/abi.md warns against "*" (a plugin would receive its own events): a template names its types.
        #expect(manifest.contains(#""subscribe": ["lead.created"]"#) && !manifest.contains(#""*""#))

        let built = try await runProcess(project.appendingPathComponent("build.sh").path, [], in: project)
        try #require(built.status == 0, "build.sh failed: \(built.stdout)\n\(built.stderr)")
        let answer = try await MarketBinary.run(["plugin", "call", project.appendingPathComponent("bundle").path, "hello", #"{"name":"Ada"}"#,
                                           "--state-dir", workspace.appendingPathComponent("state").path])
        #expect(answer.status == 0, "\(answer.stderr)")
        #expect(answer.stdout.contains("Hello, Ada!"))
    }

    @Test func theCTemplateReadsOnlyItsOwnArgumentAndWritesValidJSON() async throws {
        let workspace = try temporaryDirectory("new-c-json")
        let created = try await MarketBinary.run(["new", "--lang", "c", "greeter"], in: workspace)
        try #require(created.status == 0, "\(created.stderr)")
        let project = workspace.appendingPathComponent("greeter")
        #expect(FileManager.default.fileExists(atPath: project.appendingPathComponent("include/market/json.h").path))
        let built = try await runProcess(project.appendingPathComponent("build.sh").path, [], in: project)
        try #require(built.status == 0, "build.sh failed: \(built.stdout)\n\(built.stderr)")
        func greet(_ arguments: String) async throws -> [String: String]? {
            let answer = try await MarketBinary.run(["plugin", "call", project.appendingPathComponent("bundle").path, "hello", arguments,
                                                     "--state-dir", workspace.appendingPathComponent("state").path])
            #expect(answer.status == 0, "\(answer.stderr)")
            // The host refuses a result that is not JSON, so parsing here checks the escaping twice.
            return try JSONSerialization.jsonObject(with: Data(answer.stdout.utf8)) as? [String: String]
        }
        // A nested "name" is not the argument; the top-level one is.
        #expect(try await greet(#"{"meta":{"name":"Eve"},"name":"Ada"}"#)?["greeting"] == "Hello, Ada!")
        // Quotes, backslashes and escapes in the name come back as the same text.
        #expect(try await greet(#"{"name":"A \"quoted\" \\ n\u00e9me\n"}"#)?["greeting"] == "Hello, A \"quoted\" \\ n\u{e9}me\n!")
    }

    @Test func anExistingFolderIsLeftAlone() async throws {
        let workspace = try temporaryDirectory("new-existing")
        let existing = workspace.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: existing.appendingPathComponent("file.txt"))
        let output = try await MarketBinary.run(["new", "--lang", "c", "taken"], in: workspace)
        #expect(output.status == 1)
        #expect(output.stderr.contains("SCAFFOLD_FAILED"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: existing.path) == ["file.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path) == ["taken"])
    }

    @Test(arguments: ["Bad", "x", "a_b", "trailing-", "9lives"])
    func anInvalidIdIsRefused(name: String) async throws {
        let workspace = try temporaryDirectory("new-invalid")
        let output = try await MarketBinary.run(["new", "--lang", "c", name], in: workspace)
        #expect(output.status == 64)
        #expect(output.stderr.contains("not a plugin id"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path).isEmpty)
    }
}
