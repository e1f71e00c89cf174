import Foundation
import Logging
import MarketStore
import MarketTestSupport
import Testing

/// One private cluster for every test in `TelegramDatabaseTests`, started before the first and
/// stopped after the last; each test makes a database of its own in it.
struct SharedCluster: SuiteTrait, TestScoping {
    @TaskLocal static var current: PrivateCluster?

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let folder = try temporaryDirectory("telegram-tests")
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
    static var sharedCluster: Self { SharedCluster() }
}

/// The suite every test that needs PostgreSQL is nested in.
@Suite(.sharedCluster) struct TelegramDatabaseTests {}

/// A fresh, migrated database in the shared cluster; returns its connection string.
func freshDatabase() async throws -> String {
    let cluster = try #require(SharedCluster.current, "nest the suite in TelegramDatabaseTests")
    let name = "tg_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try await onThread {
        let connection = try PostgresConnection.connect(cluster.connectionString)
        defer { connection.close() }
        try connection.run("CREATE DATABASE \(name)")
    }
    return cluster.connectionString.replacingOccurrences(of: "dbname=\(PrivateCluster.database)", with: "dbname=\(name)")
}

/// Runs blocking work on a thread of its own.
func onThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

let quietLogger = Logger(label: "telegram-tests") { _ in SwiftLogNoOpLogHandler() }
