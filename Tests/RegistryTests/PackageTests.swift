import Foundation
import MarketCore
import MarketRegistry
import Testing

@Suite struct PackageTests {
    let publisher = SigningKey.generate()
    var trusted: [String: PublicKey] { [publisher.id: publisher.publicKey] }

    @Test func aPackedPluginOpensWithItsFilesAndPublisher() throws {
        let folder = try TemporaryFolder()
        let library = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let source = try PluginFixture.make(in: folder.url, library: library)
        let package = try PackageWriter.pack(source, signedWith: publisher, into: folder.path("out"))
        let opened = try PackageVerifier.open(package.url, into: folder.path("installed"), publishers: trusted)
        #expect(opened.files == ["CHECKSUMS", "CHECKSUMS.sig", "README.md", "libdemo.so", "platform.json", "plugin.json"])
        #expect(opened.publisherKey == publisher.publicKey)
        #expect(opened.manifest.id == "demo")
        #expect(try Data(contentsOf: folder.path("installed/libdemo.so")) == library)
    }

    @Test func thePackageIsNamedByIdVersionAndPlatform() throws {
        let folder = try TemporaryFolder()
        let package = try PackageWriter.pack(try PluginFixture.make(in: folder.url, version: "2.1.0"), signedWith: publisher, into: folder.url)
        #expect(package.url.lastPathComponent == "demo-2.1.0-\(Platform.host()).mkpkg")
        #expect(package.platform.toolchain == nil)
        #expect(package.size == Int64(try Data(contentsOf: package.url).count))
    }

    @Test func packingTheSameFolderTwiceGivesTheSameBytes() throws {
        let folder = try TemporaryFolder()
        let source = try PluginFixture.make(in: folder.url)
        let first = try PackageWriter.pack(source, signedWith: publisher, into: folder.path("a"))
        let second = try PackageWriter.pack(source, signedWith: publisher, into: folder.path("b"))
        #expect(first.sha256 == second.sha256)
        // The gzip header's time field is zero, so packs a second apart are equal too.
        #expect(Array(try Data(contentsOf: first.url).prefix(8).suffix(4)) == [0, 0, 0, 0])
    }

    @Test func aPackageByAnUntrustedPublisherIsKEY_UNTRUSTED() throws {
        let folder = try TemporaryFolder()
        let package = try PackageWriter.pack(try PluginFixture.make(in: folder.url), signedWith: SigningKey.generate(), into: folder.url)
        let error = #expect(throws: MarketError.self) { try PackageVerifier.open(package.url, into: folder.path("installed"), publishers: trusted) }
        #expect(error?.code == .keyUntrusted)
        #expect(!FileManager.default.fileExists(atPath: folder.path("installed").path))
    }

    @Test func aSwappedLibraryIsHASH_MISMATCH() throws {
        let folder = try TemporaryFolder()
        let tampered = try repack(in: folder) { $0["libdemo.so"] = Data("ELF library bytez".utf8) }
        let error = #expect(throws: MarketError.self) { try PackageVerifier.open(tampered, into: folder.path("installed"), publishers: trusted) }
        #expect(error?.code == .hashMismatch)
        #expect(!FileManager.default.fileExists(atPath: folder.path("installed").path))
    }

    @Test func anEditedChecksumListIsSIG_INVALID() throws {
        let folder = try TemporaryFolder()
        let tampered = try repack(in: folder) { files in
            files["libdemo.so"] = Data("ELF library bytes!".utf8)
            let edited = String(decoding: files["CHECKSUMS"] ?? Data(), as: UTF8.self).replacingOccurrences(of: " 17 libdemo.so", with: " 18 libdemo.so")
            files["CHECKSUMS"] = Data(edited.utf8)
        }
        let error = #expect(throws: MarketError.self) { try PackageVerifier.open(tampered, into: folder.path("installed"), publishers: trusted) }
        #expect(error?.code == .signatureInvalid)
    }

    @Test func anExtraUnlistedFileIsHASH_MISMATCH() throws {
        let folder = try TemporaryFolder()
        let tampered = try repack(in: folder) { $0["libextra.so"] = Data("more".utf8) }
        let error = #expect(throws: MarketError.self) { try PackageVerifier.open(tampered, into: folder.path("installed"), publishers: trusted) }
        #expect(error?.code == .hashMismatch)
    }

    @Test func thePlatformIsSignedIntoThePackage() throws {
        let folder = try TemporaryFolder()
        let package = try PackageWriter.pack(try PluginFixture.make(in: folder.url), signedWith: publisher, into: folder.url)
        let opened = try PackageVerifier.open(package.url, into: folder.path("installed"), publishers: trusted)
        #expect(opened.platform == Platform.host())
        let tampered = try repack(in: folder) { $0["platform.json"] = Data(#"{"arch":"riscv64","os":"linux"}"#.utf8) }
        let error = #expect(throws: MarketError.self) { try PackageVerifier.open(tampered, into: folder.path("tampered-open"), publishers: trusted) }
        #expect(error?.code == .hashMismatch)
    }

    /// Packs the fixture plugin, lets `change` edit its files (CHECKSUMS and CHECKSUMS.sig
    /// included), and writes them back into a new archive, as an attacker would.
    private func repack(in folder: TemporaryFolder, _ change: (inout [String: Data]) -> Void) throws -> URL {
        let source = try PluginFixture.make(in: folder.url, id: "demo")
        let package = try PackageWriter.pack(source, signedWith: publisher, into: folder.path("genuine"))
        let opened = try PackageVerifier.open(package.url, into: folder.path("genuine-open"), publishers: trusted)
        var files: [String: Data] = [:]
        for path in opened.files { files[path] = try Data(contentsOf: opened.folder.appendingPathComponent(path)) }
        change(&files)
        let tampered = folder.path("tampered.mkpkg")
        try ArchiveBuilder.write(files.sorted { $0.key < $1.key }.map { .file($0.key, $0.value) }, to: tampered)
        return tampered
    }
}
