import Foundation

/// What a finished child process printed.
public struct ProcessOutput: Sendable {
    /// The exit status, or the signal's number when `signaled`.
    public let status: Int32
    /// Whether a signal ended the process.
    public let signaled: Bool
    public let stdout: String
    public let stderr: String
}

/// Runs a program (an absolute path, or a name looked up on PATH) and collects its output.
///
/// It waits on a thread of its own: waiting for a child process must not hold one of Swift's
/// few cooperative threads, which the other tests running alongside need.
@discardableResult
public func runProcess(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                       environment: [String: String] = [:]) async throws -> ProcessOutput {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try runProcessBlocking(executable, arguments, in: directory, environment: environment) })
        }
    }
}

private func runProcessBlocking(_ executable: String, _ arguments: [String], in directory: URL?,
                                environment: [String: String]) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
    process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
    if let directory { process.currentDirectoryURL = directory }
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting, so a chatty child cannot block on a full pipe.
    let stderrData = Collected()
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        stderrData.data = err.fileHandleForReading.readDataToEndOfFile()
        done.signal()
    }
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    process.waitUntilExit()
    return ProcessOutput(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal, stdout: String(decoding: stdoutData, as: UTF8.self),
                         stderr: String(decoding: stderrData.data, as: UTF8.self))
}

/// Written by the reader thread, read after the semaphore.
private final class Collected: @unchecked Sendable {
    var data = Data()
}

/// A fresh folder under the system's temporary directory.
public func temporaryDirectory(_ name: String = "market-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The folder SwiftPM builds products into: where the test bundle itself lives.
public var buildProductsDirectory: URL {
    let testBinary = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var folder = URL(fileURLWithPath: testBinary).deletingLastPathComponent()
    // On Linux the tests run from <bin>/<package>PackageTests.xctest, a file in <bin>.
    if folder.lastPathComponent.hasSuffix(".xctest") { folder.deleteLastPathComponent() }
    return folder
}
