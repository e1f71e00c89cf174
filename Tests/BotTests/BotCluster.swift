import Foundation
import Logging
import MarketStore
import MarketTestSupport
import Testing

/// One private PostgreSQL cluster for every suite nested in `BotDatabaseTests` (the pattern of
/// Tests/StoreTests/TestCluster.swift, which needs store types and so stays out of
/// Tests/Support). Each test makes a database of its own in it.
struct BotCluster: SuiteTrait, TestScoping {
    @TaskLocal static var current: PrivateCluster?

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let folder = try temporaryDirectory("bot-tests")
        let cluster = PrivateCluster(stateDirectory: folder)
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try await cluster.start()
            // A throwaway cluster need not survive a crash: without fsync, CREATE DATABASE and
            // the shutdown checkpoint take milliseconds instead of seconds on a busy disk.
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

/// The suite every test that needs PostgreSQL is nested in.
@Suite(BotCluster()) struct BotDatabaseTests {}

/// A fresh, empty database in the shared cluster; returns its connection string.
func freshDatabase() async throws -> String {
    let cluster = try #require(BotCluster.current, "nest the suite in BotDatabaseTests")
    let name = "bot_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    try await onThread {
        let connection = try PostgresConnection.connect(cluster.connectionString)
        defer { connection.close() }
        try connection.run("CREATE DATABASE \(name)")
    }
    return cluster.connectionString.replacingOccurrences(of: "dbname=\(PrivateCluster.database)", with: "dbname=\(name)")
}

/// Runs blocking work on a thread of its own, keeping the cooperative threads free.
func onThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

let quietLogger = Logger(label: "bot-tests") { _ in SwiftLogNoOpLogHandler() }

/// A small seeded random number generator (SplitMix64), so randomised tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
