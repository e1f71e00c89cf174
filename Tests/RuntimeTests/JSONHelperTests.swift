import Foundation
import MarketTestSupport
import Testing

/// market/json.h, the reader and writer C plugins use, checked from C (Fixtures/json_check.c)
/// as C11 and as C++17, and under the address and undefined-behaviour sanitizers.
@Suite struct JSONHelperTests {
    static let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/json_check.c")

    @Test(arguments: [["-x", "c", "-std=c11"], ["-x", "c++", "-std=c++17"], ["-x", "c", "-std=c11", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]])
    func theChecksPass(flags: [String]) async throws {
        let folder = try temporaryDirectory("json-check")
        let binary = folder.appendingPathComponent("json_check").path
        let built = try await runProcess("cc", flags + ["-Wall", "-Wextra", "-Werror", "-pedantic", "-I", TestPaths.headers.path,
                                                        Self.source.path, "-o", binary] + (flags.contains("c++") ? ["-lstdc++"] : []))
        try #require(built.status == 0, "json_check.c did not compile: \(built.stderr)")
        let run = try await runProcess(binary, [])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("all checks passed"))
    }
}
