import Foundation
import Logging
import MarketStore
import MarketTestSupport
import Testing

/// One private PostgreSQL cluster for every test of a suite: started before the first, stopped
/// after the last (also when tests fail). Each test makes a database of its own in it.
///
/// A throwaway cluster need not survive a crash, so it runs without fsync: CREATE DATABASE
/// and the shutdown checkpoint then take milliseconds instead of seconds on a busy disk.
public struct SharedCluster: SuiteTrait, TestScoping {
    @TaskLocal public static var current: PrivateCluster?

    /// Names the cluster's temporary folder, e.g. `store-tests`.
    let folderName: String

    public var isRecursive: Bool { false }

    public init(_ folderName: String) {
        self.folderName = folderName
    }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let folder = try temporaryDirectory(folderName)
        // Suites run their tests in parallel, each with its own pools and workers.
        let cluster = PrivateCluster(stateDirectory: folder, configuration: .init(maxConnections: 400))
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try await cluster.start()
            try await onThread {
                let connection = try PostgresConnection.connect(cluster.connectionString)
                defer { connection.close() }
                for statement in ["ALTER SYSTEM SET fsync = off", "ALTER SYSTEM SET synchronous_commit = off", "SELECT pg_reload_conf()"] {
                    try connection.run(statement)
                }
            }
            try await Self.$current.withValue(cluster) { try await function() }
        } catch {
            _ = try? await cluster.stop()
            throw error
        }
        try await cluster.stop()
    }
}

extension Trait where Self == SharedCluster {
    /// Runs the suite against a private cluster made for it, in a folder named `folderName`.
    public static func sharedCluster(_ folderName: String) -> Self { SharedCluster(folderName) }
}

/// A fresh database in the suite's shared cluster, with every migration applied when
/// `migrated`; returns its connection string.
public func freshDatabase(migrated: Bool = false) async throws -> String {
    let cluster = try #require(SharedCluster.current, "nest the suite in one that has the .sharedCluster trait")
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

/// Runs blocking work (libpq calls, child processes) on a thread of its own, keeping Swift's
/// few cooperative threads free for the other tests.
public func onThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// A logger that drops everything.
public let quietLogger = Logger(label: "tests") { _ in SwiftLogNoOpLogHandler() }
