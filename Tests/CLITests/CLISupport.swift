import Foundation
import Testing

/// Runs the built `market` executable as a user would.
enum MarketBinary {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let builtPlugins = packageRoot.appendingPathComponent(".build/market-plugins")

    /// The `market` executable beside the test bundle (SwiftPM builds both into one folder).
    static var path: String {
        let testBinary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var folder = URL(fileURLWithPath: testBinary).deletingLastPathComponent()
        // On Linux the tests run from <bin>/marketPackageTests.xctest, a file in <bin>.
        if folder.lastPathComponent.hasSuffix(".xctest") { folder.deleteLastPathComponent() }
        return folder.appendingPathComponent("market").path
    }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    @discardableResult
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) async throws -> Output {
        try await execute(path, arguments, in: directory, environment: environment)
    }

    /// Runs a program on a thread of its own: waiting for a child process must not hold one of
    /// Swift's few cooperative threads, which the other tests need.
    static func execute(_ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try executeBlocking(executable, arguments, in: directory, environment: environment) })
            }
        }
    }

    private static func executeBlocking(_ executable: String, _ arguments: [String], in directory: URL?, environment: [String: String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stderrData = Collected()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            stderrData.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData.data, as: UTF8.self))
    }

    /// Written by the reader thread, read after the semaphore.
    final class Collected: @unchecked Sendable {
        var data = Data()
    }
}

func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
