import Foundation

/// The lean receiver (Support/WebhookReceiver/receiver.c, compiled here with `cc -O2`) as a
/// child process: it answers every POST 204 and writes each request's `webhook-id` (`-` when it
/// has none) and the
/// CLOCK_MONOTONIC time it arrived to a file. Its CPU is its own, not the host's.
public final class ReceiverProcess: @unchecked Sendable {
    public let port: Int
    public let log: URL
    private let process: Process
    private let input: FileHandle
    private let output: FileHandle
    private var pending = Data()

    public init(folder: URL, benchmarksFolder: URL) throws {
        let source = benchmarksFolder.appendingPathComponent("Support/WebhookReceiver/receiver.c")
        let binary = folder.appendingPathComponent("receiver")
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-std=c11", "-O2", "-Wall", "-Werror", source.path, "-o", binary.path]
        try compiler.run()
        compiler.waitUntilExit()
        guard compiler.terminationStatus == 0 else { throw BenchFailure("cc could not build \(source.path)") }
        // A write to the child after it ended must fail as an error, not end this process.
        signal(SIGPIPE, SIG_IGN)
        log = folder.appendingPathComponent("received.txt")
        let stdin = Pipe(), stdout = Pipe()
        process = Process()
        process.executableURL = binary
        process.arguments = [log.path]
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        input = stdin.fileHandleForWriting
        output = stdout.fileHandleForReading
        let first = try Self.nextLine(from: output, pending: &pending)
        guard first.hasPrefix("port "), let port = Int(first.dropFirst(5)) else { throw BenchFailure("the receiver said '\(first)'") }
        self.port = port
    }

    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// Requests received so far; the file holds each of them once this returns.
    public func count() throws -> Int {
        try input.write(contentsOf: Data("count\n".utf8))
        let line = try nextLine()
        guard line.hasPrefix("count "), let count = Int(line.dropFirst(6)) else { throw BenchFailure("the receiver said '\(line)'") }
        return count
    }

    /// Waits until `total` requests have arrived, asking every 2 ms on a thread of its own (never
    /// one of the cooperative pool's two, which the host under test needs).
    public func waitFor(_ total: Int, timeout: Duration) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                let deadline = ContinuousClock.now + timeout
                continuation.resume(with: Result {
                    while try self.count() < total {
                        guard ContinuousClock.now < deadline else { throw BenchFailure("only \((try? self.count()) ?? 0) of \(total) requests arrived") }
                        usleep(2_000)
                    }
                })
            }
        }
    }

    /// Every request so far: its webhook-id and when it arrived (CLOCK_MONOTONIC, ns).
    public func received() throws -> [(id: Substring, at: UInt64)] {
        _ = try count()
        let text = try String(contentsOf: log, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let at = UInt64(parts[1]) else { return nil }
            return (parts[0], at)
        }
    }

    public func stop() {
        try? input.close()
        process.waitUntilExit()
    }

    private func nextLine() throws -> String {
        try Self.nextLine(from: output, pending: &pending)
    }

    private static func nextLine(from output: FileHandle, pending: inout Data) throws -> String {
        while true {
            if let end = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[pending.startIndex..<end], as: UTF8.self)
                pending = Data(pending[pending.index(after: end)...])
                return line
            }
            let chunk = output.availableData
            guard !chunk.isEmpty else { throw BenchFailure("the receiver ended") }
            pending.append(chunk)
        }
    }
}

public struct BenchFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
