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
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("TelegramLoad")
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw LoadFailure(description: "\(executable.path) is missing: build it with `swift build -c release --product TelegramLoad`")
        }
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
    func send(_ command: String, expecting word: String) throws -> String {
        input.write(Data((command + "\n").utf8))
        let line = try output.next()
        guard line.hasPrefix(word + " ") || line == word else { throw LoadFailure(description: "TelegramLoad: \(line)") }
        return String(line.dropFirst(word.count).drop(while: { $0 == " " }))
    }

    func stop() {
        input.write(Data("quit\n".utf8))
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
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        self = try decoder.decode(PhaseResult.self, from: Data(json.utf8))
    }

    var perSecond: Double { Double(updates) / (Double(elapsedNs) / 1e9) }
}
