import Foundation
import MarketCore
import MarketRegistry
import Testing

/// Hostile archives: each is refused with PACKAGE_UNSAFE before anything is written, inside the
/// target or outside it.
@Suite struct SafeExtractionTests {
    /// Builds the archive in `folder/pkg.mkpkg`, extracts it to `folder/work/target`, and
    /// checks the refusal and that `folder` holds exactly what it held before.
    private func expectRefused(limits: ExtractionLimits = ExtractionLimits(), _ build: (URL) throws -> Void) throws {
        let folder = try TemporaryFolder()
        let archive = folder.path("pkg.mkpkg")
        try build(archive)
        try FileManager.default.createDirectory(at: folder.path("work"), withIntermediateDirectories: true)
        let before = TemporaryFolder.listing(folder.url)
        let error = #expect(throws: MarketError.self) { try PackageExtractor.extract(archive, to: folder.path("work/target"), limits: limits) }
        #expect(error?.code == .packageUnsafe)
        #expect(TemporaryFolder.listing(folder.url) == before)
        #expect(TemporaryFolder.listing(folder.path("work")) == [])
    }

    @Test func aDotDotPathIsRefused() throws {
        try expectRefused { try ArchiveBuilder.write([.file("plugin.json", Data("{}".utf8)), .file("../x", Data("escaped".utf8))], to: $0) }
    }

    @Test func aDotDotInsideAPathIsRefused() throws {
        try expectRefused { try ArchiveBuilder.write([.file("lib/../../x", Data("escaped".utf8))], to: $0) }
    }

    @Test func anAbsolutePathIsRefused() throws {
        try expectRefused { try ArchiveBuilder.write([.file("/etc/x", Data("escaped".utf8))], to: $0) }
        #expect(!FileManager.default.fileExists(atPath: "/etc/x"))
    }

    @Test func aSymlinkToEtcIsRefused() throws {
        try expectRefused { try ArchiveBuilder.write([.symlink("etc", to: "/etc"), .file("etc/x", Data("escaped".utf8))], to: $0) }
    }

    @Test func aHardlinkIsRefused() throws {
        try expectRefused { try ArchiveBuilder.write([.file("a", Data("a".utf8)), .hardlink("b", to: "/etc/passwd")], to: $0) }
    }

    @Test func aFifoIsRefused() throws {
        try expectRefused { try ArchiveBuilder.write([.fifo("pipe")], to: $0) }
    }

    @Test func aPathListedTwiceIsRefused() throws {
        try expectRefused { try ArchiveBuilder.write([.file("a", Data("1".utf8)), .file("./a", Data("2".utf8))], to: $0) }
    }

    @Test func aHundredThousandEntriesAreRefused() throws {
        try expectRefused { url in
            try ArchiveBuilder.write((0..<100_000).map { .file("f\($0)", Data()) }, to: url)
        }
    }

    @Test func anEntryDeclaringTenGigabytesIsRefused() throws {
        try expectRefused { try ArchiveBuilder.writeDeclaringSize(10 << 30, path: "libhuge.so", to: $0) }
    }

    @Test func theTotalSizeCapCountsEveryFile() throws {
        let limits = ExtractionLimits(maximumEntries: 10, maximumFileBytes: 1_000, maximumTotalBytes: 1_500)
        try expectRefused(limits: limits) { url in
            try ArchiveBuilder.write([.file("a", Data(count: 900)), .file("b", Data(count: 900))], to: url)
        }
    }

    @Test func aWellFormedArchiveExtractsIntoTheTargetOnly() throws {
        let folder = try TemporaryFolder()
        let archive = folder.path("pkg.mkpkg")
        try ArchiveBuilder.write([.directory("assets"), .file("assets/icon.svg", Data("<svg/>".utf8)), .file("lib.so", Data("lib".utf8), mode: 0o755)], to: archive)
        let files = try PackageExtractor.extract(archive, to: folder.path("target"))
        #expect(files == ["assets/icon.svg", "lib.so"])
        #expect(TemporaryFolder.listing(folder.url) == ["pkg.mkpkg", "target", "target/assets", "target/assets/icon.svg", "target/lib.so"])
        #expect(FileManager.default.isExecutableFile(atPath: folder.path("target/lib.so").path))
    }

    @Test func theArchivesOwnTopFolderIsAccepted() throws {
        let folder = try TemporaryFolder()
        let archive = folder.path("pkg.mkpkg")
        try ArchiveBuilder.write([.directory("./"), .file("./plugin.json", Data("{}".utf8))], to: archive)
        #expect(try PackageExtractor.extract(archive, to: folder.path("target")) == ["plugin.json"])
    }

    @Test func aCorruptArchiveIsPACKAGE_INVALID() throws {
        let folder = try TemporaryFolder()
        let archive = folder.path("pkg.mkpkg")
        try Data("not an archive at all".utf8).write(to: archive)
        let error = #expect(throws: MarketError.self) { try PackageExtractor.extract(archive, to: folder.path("target")) }
        #expect(error?.code == .packageInvalid)
        #expect(!FileManager.default.fileExists(atPath: folder.path("target").path))
    }
}
