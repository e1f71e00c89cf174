import Foundation
import Logging
import MarketStore
import MarketTestSupport
import Testing

/// One private cluster for every test in `DatabaseTests`: started before the first, stopped
/// after the last (also when tests fail). Each test makes a database of its own in it.
struct SharedCluster: SuiteTrait, TestScoping {
    @TaskLocal static var current: PrivateCluster?

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let folder = try temporaryDirectory("store-tests")
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

extension Trait where Self == SharedCluster {
    /// Runs the suite against a private cluster made for it.
    static var sharedCluster: Self { SharedCluster() }
}

/// The suite every test that needs PostgreSQL is nested in (see the extensions).
@Suite(.sharedCluster) struct DatabaseTests {}

/// A fresh, empty database in the shared cluster; returns its connection string.
func freshDatabase() async throws -> String {
    let cluster = try #require(SharedCluster.current, "nest the suite in DatabaseTests")
    let name = "test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try await onThread {
        let connection = try PostgresConnection.connect(cluster.connectionString)
        defer { connection.close() }
        try connection.run("CREATE DATABASE \(name)")
    }
    return cluster.connectionString.replacingOccurrences(of: "dbname=\(PrivateCluster.database)", with: "dbname=\(name)")
}

/// Runs blocking work (libpq calls, child processes) on a thread of its own, keeping Swift's
/// few cooperative threads free for the other tests.
func onThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

let quietLogger = Logger(label: "store-tests") { _ in SwiftLogNoOpLogHandler() }
