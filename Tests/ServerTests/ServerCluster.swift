import Foundation
import Logging
import MarketStore
import MarketTestSupport
import Testing

/// One private PostgreSQL cluster for every test in `ServerTests`: started before the first,
/// stopped after the last. Each test that needs a database makes one of its own in it.
struct ServerCluster: SuiteTrait, TestScoping {
    @TaskLocal static var current: PrivateCluster?

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let folder = try temporaryDirectory("server-tests")
        let cluster = PrivateCluster(stateDirectory: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try await cluster.start()
            try await Self.$current.withValue(cluster) { try await function() }
        } catch {
            _ = try? await cluster.stop()
            throw error
        }
        try await cluster.stop()
    }
}

extension Trait where Self == ServerCluster {
    static var serverCluster: Self { ServerCluster() }
}

/// The suite every server test is nested in (see the extensions).
@Suite(.serverCluster) struct ServerTests {}

/// A fresh, empty database in the shared cluster; returns its connection string.
func freshDatabase(migrated: Bool = true) async throws -> String {
    let cluster = try #require(ServerCluster.current, "nest the suite in ServerTests")
    let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try await onThread {
        let connection = try PostgresConnection.connect(cluster.connectionString)
        defer { connection.close() }
        try connection.run("CREATE DATABASE \(name)")
    }
    let connectionString = cluster.connectionString.replacingOccurrences(of: "dbname=\(PrivateCluster.database)", with: "dbname=\(name)")
    if migrated {
        try await onThread {
            let connection = try PostgresConnection.connect(connectionString)
            defer { connection.close() }
            try Migrator().apply(on: connection, logger: quietLogger)
        }
    }
    return connectionString
}

/// Runs blocking work (libpq calls) on a thread of its own, keeping Swift's few cooperative
/// threads free for the other tests.
func onThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

let quietLogger = Logger(label: "server-tests") { _ in SwiftLogNoOpLogHandler() }

/// The repository's root and the plugins `scripts/build-plugins.sh` built from source.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let builtPlugins = root.appendingPathComponent(".build/market-plugins")
    static let openAPI = root.appendingPathComponent("docs/openapi.yaml")
}
