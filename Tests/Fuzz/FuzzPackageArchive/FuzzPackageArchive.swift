import Foundation
import FuzzSupport
import MarketRegistry

/// Fuzzes package extraction (`PackageExtractor`): any archive bytes are surveyed and, when the
/// survey passes, extracted into a fresh folder that is removed after. Hostile entries must be
/// refused with an error, never trap nor write outside the folder.
let scratch = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("market-fuzz-archive-\(getpid())")

func fuzzOne(_ bytes: [UInt8]) {
    let fileManager = FileManager.default
    try? fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
    let archive = scratch.appendingPathComponent("package.tar.gz")
    let destination = scratch.appendingPathComponent("out")
    defer { try? fileManager.removeItem(at: destination) }
    guard fileManager.createFile(atPath: archive.path, contents: Data(bytes)) else { return }
    let limits = ExtractionLimits(maximumEntries: 64, maximumFileBytes: 1 << 20, maximumTotalBytes: 4 << 20)
    _ = try? PackageExtractor.extract(archive, to: destination, limits: limits)
}


@main enum Harness {
    static func main() { FuzzMain.run(fuzzOne) }
}
