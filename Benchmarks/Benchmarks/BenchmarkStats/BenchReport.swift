import Foundation

/// Where a benchmark's figures go: stdout, stderr (the runner keeps benchmarks' stdout quiet
/// unless asked) and a file appended to, `MARKET_BENCH_REPORT` or `fileName` in the
/// temporary folder.
public enum BenchReport {
    public static func write(_ lines: [String], fileName: String) {
        let text = lines.joined(separator: "\n") + "\n"
        print(text, terminator: "")
        FileHandle.standardError.write(Data(text.utf8))
        let file = ProcessInfo.processInfo.environment["MARKET_BENCH_REPORT"] ?? NSTemporaryDirectory() + fileName
        if let handle = FileHandle(forWritingAtPath: file) ?? (FileManager.default.createFile(atPath: file, contents: nil) ? FileHandle(forWritingAtPath: file) : nil) {
            handle.seekToEndOfFile()
            handle.write(Data(text.utf8))
            try? handle.close()
        }
    }
}
