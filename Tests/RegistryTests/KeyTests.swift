import Foundation
import MarketCore
import MarketRegistry
import Testing

@Suite struct KeyTests {
    @Test func keygenWritesAPrivateFileOnlyTheOwnerCanRead() throws {
        let folder = try TemporaryFolder()
        let key = SigningKey.generate()
        let written = try KeyFiles.write(key, to: folder.url, name: "publisher")
        let attributes = try FileManager.default.attributesOfItem(atPath: written.privateKey.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(written.keyID == key.id)
        #expect(written.publicKey.lastPathComponent == "publisher.pub")
    }

    @Test func theKeyIDIsTheFirst16HexDigitsOfTheRawKeysSHA256() throws {
        let key = SigningKey.generate()
        #expect(key.id.count == 16)
        #expect(key.id.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(try PublicKey(rawRepresentation: key.publicKey.rawRepresentation).id == key.id)
    }

    @Test func keysReadBackSignAndVerify() throws {
        let folder = try TemporaryFolder()
        let written = try KeyFiles.write(SigningKey.generate(), to: folder.url, name: "k")
        let signing = try KeyFiles.loadSigningKey(from: written.privateKey)
        let publicKey = try KeyFiles.loadPublicKey(from: written.publicKey)
        let data = Data("hello".utf8)
        #expect(publicKey.isValidSignature(try signing.signature(for: data), for: data))
        #expect(!publicKey.isValidSignature(try signing.signature(for: data), for: Data("hellO".utf8)))
    }

    @Test func anExistingPrivateKeyIsNeverOverwritten() throws {
        let folder = try TemporaryFolder()
        let first = try KeyFiles.write(SigningKey.generate(), to: folder.url, name: "k")
        let before = try Data(contentsOf: first.privateKey)
        let error = #expect(throws: MarketError.self) { try KeyFiles.write(SigningKey.generate(), to: folder.url, name: "k") }
        #expect(error?.code == .keyInvalid)
        #expect(try Data(contentsOf: first.privateKey) == before)
    }

    @Test func aPublicKeyFileIsNotAPrivateKey() throws {
        let folder = try TemporaryFolder()
        let written = try KeyFiles.write(SigningKey.generate(), to: folder.url, name: "k")
        let error = #expect(throws: MarketError.self) { try KeyFiles.loadSigningKey(from: written.publicKey) }
        #expect(error?.code == .keyInvalid)
    }

    @Test func aKeysDescriptionDoesNotRevealIt() throws {
        let folder = try TemporaryFolder()
        let key = SigningKey.generate()
        let written = try KeyFiles.write(key, to: folder.url, name: "k")
        let stored = try JSONValue(parsing: String(contentsOf: written.privateKey, encoding: .utf8))
        guard case .string(let secret)? = stored["private"] else { Issue.record("no private field"); return }
        #expect(!"\(key)".contains(secret))
        #expect("\(key)".contains(key.id))
    }
}
