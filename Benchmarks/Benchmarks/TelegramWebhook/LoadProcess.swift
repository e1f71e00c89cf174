import Foundation
import LoopbackLoad

/// The `TelegramLoad` executable (built next to this one) as a child process: the Bot API fake
/// and the webhook load, kept out of the host's process so its memory and CPU are not counted
/// as the host's. Speaks TelegramLoad's line protocol (see its main.swift).
final class LoadProcess: @unchecked Sendable {
    let fakePort: Int
    private let process: Process
    private let input: FileHandle
    private var output: LineReader

    init() throws {
        // The benchmark runner starts this executable by its bare name, so argv[0] says nothing
        // of its folder; the kernel's link to the running executable does.
        let executable = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            .deletingLastPathComponent().appendingPathComponent("TelegramLoad")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw LoadFailure(description: "\(executable.path) is missing: build it with `swift build -c release --product TelegramLoad`")
        }
        // A write to the child after it ended must fail as an error, not end this process.
        signal(SIGPIPE, SIG_IGN)
        let stdin = Pipe(), stdout = Pipe()
        process = Process()
        process.executableURL = executable
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        input = stdin.fileHandleForWriting
        output = LineReader(stdout.fileHandleForReading)
        let first = try output.next()
        guard first.hasPrefix("fake "), let port = Int(first.dropFirst(5)) else { throw LoadFailure(description: "TelegramLoad said '\(first)'") }
        fakePort = port
    }

    var pid: Int32 { process.processIdentifier }

    /// Sends one command and returns the answer without its first word; throws on "error …".
    /// The wait for the answer blocks a thread of its own, never one of Swift's cooperative
    /// pool: on two cores that pool has two threads, and the host under test needs them.
    func send(_ command: String, expecting word: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try self.sendBlocking(command, expecting: word) })
            }
        }
    }

    private func sendBlocking(_ command: String, expecting word: String) throws -> String {
        try input.write(contentsOf: Data((command + "\n").utf8))
        let line = try output.next()
        guard line.hasPrefix(word + " ") || line == word else { throw LoadFailure(description: "TelegramLoad: \(line)") }
        return String(line.dropFirst(word.count).drop(while: { $0 == " " }))
    }

    /// Asks the child to quit and waits for it; a child that already ended (after an error) is
    /// not written to, since a write to its closed pipe would end this process with SIGPIPE.
    func stop() {
        if process.isRunning { try? input.write(contentsOf: Data("quit\n".utf8)) }
        process.waitUntilExit()
    }
}

/// Lines of a pipe, read as they come.
private struct LineReader {
    let handle: FileHandle
    var pending = Data()

    init(_ handle: FileHandle) { self.handle = handle }

    mutating func next() throws -> String {
        while true {
            if let end = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[pending.startIndex..<end], as: UTF8.self)
                pending = Data(pending[pending.index(after: end)...])
                return line
            }
            let chunk = handle.availableData
            guard !chunk.isEmpty else { throw LoadFailure(description: "TelegramLoad ended") }
            pending.append(chunk)
        }
    }
}

/// What one phase of the load measured (TelegramLoad's result line), in nanoseconds.
struct PhaseResult: Decodable {
    let updates: Int
    let elapsedNs: UInt64
    let ackedNs: UInt64
    let p50Ns: UInt64
    let p99Ns: UInt64
    let ackP99Ns: UInt64

    init(_ json: String) throws {
        self = try decodeResult(json)
    }

    var perSecond: Double { Double(updates) / (Double(elapsedNs) / 1e9) }
}

/// What a conversational phase measured (TelegramLoad's `replies` line), in nanoseconds.
struct ConversationResult: Decodable {
    let updates: Int
    let elapsedNs: UInt64
    let replyP50Ns: UInt64
    let replyP99Ns: UInt64
    let ackP50Ns: UInt64
    let ackP99Ns: UInt64

    var perSecond: Double { Double(updates) / (Double(elapsedNs) / 1e9) }
}

extension LoadProcess {
    /// Sends `count` texts over `chats` chats from `inFlight` users, each waiting for its reply
    /// and then `pause` milliseconds before the next.
    func converse(firstID: Int, firstChat: Int, count: Int, chats: Int, inFlight: Int, pause: Int = 0) async throws -> ConversationResult {
        try decodeResult(try await send("converse \(firstID) \(firstChat) \(count) \(chats) \(inFlight) \(pause)", expecting: "replies"))
    }
}

/// A result line's JSON, whose keys TelegramLoad writes in snake case.
private func decodeResult<Value: Decodable>(_ json: String) throws -> Value {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(Value.self, from: Data(json.utf8))
}
