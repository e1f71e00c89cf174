import Foundation
import CoreMetrics
import Logging
import MarketCore
import PluginRuntime
import Synchronization
import MarketTestSupport
import Testing

/// Paths of the package and of the plugins `scripts/build-plugins.sh` built.
enum TestPaths {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let builtPlugins = packageRoot.appendingPathComponent(".build/market-plugins")
    static let headers = packageRoot.appendingPathComponent("PluginAPI/include")
    static let fixtureSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fixture.c")

    /// The bundle of a first-party plugin; fails the test with the fix when it was not built.
    static func plugin(_ id: String) throws -> URL {
        let url = builtPlugins.appendingPathComponent(id)
        try #require(FileManager.default.fileExists(atPath: url.appendingPathComponent("plugin.json").path),
                     "\(url.path) is missing: run scripts/build-plugins.sh (the test command does)")
        return url
    }
}

/// Builds the fixture plugin with `defines` into its own bundle and returns the folder.
func buildFixture(_ defines: [String] = [], id: String = "fixture", manifest: (inout [String: Any]) -> Void = { _ in }) async throws -> URL {
    let folder = try temporaryDirectory("fixture")
    let result = try await runProcess("cc", ["-std=c11", "-fPIC", "-shared", "-fvisibility=hidden", "-Wall", "-Werror", "-I", TestPaths.headers.path]
        + defines.map { "-D" + $0 } + [TestPaths.fixtureSource.path, "-o", folder.appendingPathComponent("libfixture.so").path, "-lpthread"])
    try #require(result.status == 0, "the fixture did not compile: \(result.stderr)")
    var fields: [String: Any] = [
        "id": id, "version": "1.0.0", "name": "Fixture", "summary": "A test plugin.", "publisher": "tests", "license": "MIT",
        "kinds": ["tools"], "language": "c", "abi": "^1.0", "library": "libfixture.so",
        "permissions": ["secrets": ["api_key"], "events": ["emit": ["fixture.done"]]],
    ]
    manifest(&fields)
    try JSONSerialization.data(withJSONObject: fields, options: [.prettyPrinted]).write(to: folder.appendingPathComponent("plugin.json"))
    return folder
}

/// A runtime with in-memory services and a quiet logger (or the one given).
func makeRuntime(events: InMemoryEventLog = InMemoryEventLog(), keyValue: any KeyValueStore = InMemoryKeyValueStore(),
                 limits: CallLimits = CallLimits(), logger: Logger? = nil, metrics: (any MetricsFactory)? = nil) -> PluginRuntime {
    let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    return PluginRuntime(services: HostServices(logger: logger ?? quiet, keyValue: keyValue, events: events,
                                                metrics: metrics ?? NOOPMetricsHandler.instance), limits: limits)
}

/// Expects `body` to throw a `MarketError` with `code` and returns it.
@discardableResult
func expectError<T>(_ code: MarketError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T) async -> MarketError? {
    do {
        _ = try await body()
        Issue.record("expected \(code), but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as MarketError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}


/// A wall clock a test moves by hand.
final class SettableClock: Sendable {
    private let current = Mutex(Date())

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 += seconds }
    }
}
