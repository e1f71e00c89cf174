import Foundation
import MarketTestSupport
import Testing

/// Every header must compile on its own as C11 and as C++17 with warnings as errors, so any
/// plugin author's compiler accepts it.
@Suite struct HeaderTests {
    static let headers = (try? FileManager.default.contentsOfDirectory(atPath: TestPaths.headers.appendingPathComponent("market").path))?
        .filter { $0.hasSuffix(".h") }.sorted() ?? []

    @Test func theHeadersAreThere() {
        #expect(Self.headers.count >= 13, "found \(Self.headers)")
        #expect(Self.headers.contains("market.h"))
    }

    @Test(arguments: headers, [("c", "c11", "cc"), ("c++", "c++17", "c++")])
    func compiles(header: String, language: (name: String, standard: String, compiler: String)) async throws {
        let folder = try temporaryDirectory("header")
        let source = folder.appendingPathComponent(language.name == "c" ? "check.c" : "check.cpp")
        try "#include <market/\(header)>\nint main(void) { return 0; }\n".write(to: source, atomically: true, encoding: .utf8)
        let result = try await runProcess(language.compiler, ["-x", language.name, "-std=\(language.standard)", "-Wall", "-Wextra", "-Werror", "-pedantic",
                                                 "-I", TestPaths.headers.path, "-fsyntax-only", source.path])
        #expect(result.status == 0, "\(header) as \(language.standard): \(result.stderr)")
    }
}
