import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

/// The master key: from MARKET_MASTER_KEY, or a key file made once with mode 0600 and refused
/// when others could read it.
@Suite struct MasterKeyTests {
    static func mode(_ file: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) ?? -1
    }

    @Test func theKeyFileIsMadeOnceWithMode0600AndReused() throws {
        let state = try temporaryDirectory("master-key")
        defer { try? FileManager.default.removeItem(at: state) }
        let logs = CapturingLogHandler()
        let first = try MasterKey.load(environment: [:], stateDirectory: state, logger: logs.logger)
        let file = state.appendingPathComponent(MasterKey.fileName)
        #expect(try Self.mode(file) == 0o600)
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines))?.count == 32)
        #expect(try MasterKey.load(environment: [:], stateDirectory: state, logger: logs.logger).id == first.id)
        #expect(logs.lines.text.contains(first.id) && !logs.lines.text.contains(text.trimmingCharacters(in: .newlines)))
        // Nothing but the key file is left in the state directory.
        #expect(try FileManager.default.contentsOfDirectory(atPath: state.path) == [MasterKey.fileName])
    }

    @Test func processesStartingAtOnceAgreeOnOneKey() async throws {
        let state = try temporaryDirectory("master-key-race")
        defer { try? FileManager.default.removeItem(at: state) }
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<8 {
                group.addTask { try MasterKey.load(environment: [:], stateDirectory: state, logger: quietLogger).id }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(ids.count == 1)
    }

    @Test func aKeyFileOthersCanReadIsRefusedWithAFix() throws {
        let state = try temporaryDirectory("master-key-mode")
        defer { try? FileManager.default.removeItem(at: state) }
        _ = try MasterKey.load(environment: [:], stateDirectory: state, logger: quietLogger)
        let file = state.appendingPathComponent(MasterKey.fileName)
        for mode in [0o644, 0o640, 0o602] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: file.path)
            let error = try #require(throws: MarketError.self) { try MasterKey.load(environment: [:], stateDirectory: state, logger: quietLogger) }
            #expect(error.code == .masterKeyInsecure)
            #expect(error.fix == "run `chmod 600 \(file.path)`")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        _ = try MasterKey.load(environment: [:], stateDirectory: state, logger: quietLogger)

        // A link in its place is refused as well.
        let other = try temporaryDirectory("master-key-link")
        defer { try? FileManager.default.removeItem(at: other) }
        try FileManager.default.createSymbolicLink(at: other.appendingPathComponent(MasterKey.fileName), withDestinationURL: file)
        let error = try #require(throws: MarketError.self) { try MasterKey.load(environment: [:], stateDirectory: other, logger: quietLogger) }
        #expect(error.code == .masterKeyInsecure)
    }

    @Test func theEnvironmentKeyWinsAndBadOnesAreRefusedWithoutEchoingThem() throws {
        let state = try temporaryDirectory("master-key-env")
        defer { try? FileManager.default.removeItem(at: state) }
        let bytes = (0..<32).map { UInt8($0) }
        let key = try MasterKey.load(environment: [MasterKey.environmentVariable: Data(bytes).base64EncodedString()], stateDirectory: state, logger: quietLogger)
        #expect(key.id == (try MasterKey(bytes: bytes)).id)
        #expect(key.id.count == 17 && key.id.hasPrefix("k"))
        #expect(!FileManager.default.fileExists(atPath: state.appendingPathComponent(MasterKey.fileName).path))

        for bad in ["not base64 at all!", Data(bytes.prefix(16)).base64EncodedString()] {
            let error = try #require(throws: MarketError.self) {
                try MasterKey.load(environment: [MasterKey.environmentVariable: bad], stateDirectory: state, logger: quietLogger)
            }
            #expect(error.code == .masterKeyInvalid)
            #expect(error.fix.contains("openssl rand -base64 32"))
            #expect(!String(reflecting: error).contains(bad))
        }
    }
}
