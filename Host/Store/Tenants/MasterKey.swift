import Crypto
import Foundation
import Logging
import MarketCore

#if canImport(Glibc)
import Glibc
#endif

/// The 256-bit key that seals tenants' secrets. It comes from `MARKET_MASTER_KEY` (base64 of
/// 32 bytes) when set, otherwise from `<state-dir>/master.key`, which is made on first use
/// with mode 0600 and refused when other users could read it.
public struct MasterKey: Sendable {
    /// The environment variable that overrides the key file.
    public static let environmentVariable = "MARKET_MASTER_KEY"
    /// The key file's name inside the state directory.
    public static let fileName = "master.key"

    let key: SymmetricKey
    /// Names the key without revealing it (`k` and 16 hex digits of a hash of it); recorded
    /// with every secret, so a secret sealed under another key is reported as such.
    public let id: String

    /// A key from its 32 bytes.
    /// - Throws: `MASTER_KEY_INVALID` for any other length.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else {
            throw MarketError(.masterKeyInvalid, "a master key must be 32 bytes, not \(bytes.count)",
                              fix: "make one with `openssl rand -base64 32`")
        }
        self.init(checked: bytes)
    }

    /// `bytes` must be 32 long.
    private init(checked bytes: [UInt8]) {
        key = SymmetricKey(data: bytes)
        let digest = SHA256.hash(data: Array("market.master-key-id/1".utf8) + bytes)
        id = "k" + digest.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// A key from base64 text (surrounding white space ignored), as in `MARKET_MASTER_KEY`.
    public init(base64: String, source: String = environmentVariable) throws {
        guard let bytes = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw MarketError(.masterKeyInvalid, "\(source) is not base64",
                              fix: "set it to the output of `openssl rand -base64 32`")
        }
        do {
            try self.init(bytes: Array(bytes))
        } catch let error as MarketError {
            throw MarketError(.masterKeyInvalid, "\(source) holds \(bytes.count) bytes, not 32", fix: error.fix)
        }
    }

    /// A new random key.
    public static func generate() -> MasterKey {
        var generator = SystemRandomNumberGenerator()
        // SystemRandomNumberGenerator reads the kernel's CSPRNG (getrandom) on Linux.
        return MasterKey(checked: (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// The key `MARKET_MASTER_KEY` holds, or else the one in the state directory's key file,
    /// made (with mode 0600) when there is none yet.
    /// - Throws: `MASTER_KEY_INVALID`, `MASTER_KEY_INSECURE`, or `IO_FAILED`.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            stateDirectory: URL, logger: Logger) throws -> MasterKey {
        if let text = environment[environmentVariable], !text.isEmpty {
            return try MasterKey(base64: text)
        }
        let file = stateDirectory.appendingPathComponent(fileName)
        if let existing = try read(file) { return existing }
        let created = try create(file, logger: logger)
        return created
    }

    /// The key in `file`, or nil when there is no such file.
    static func read(_ file: URL) throws -> MasterKey? {
        var status = stat()
        guard lstat(file.path, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw MarketError(.ioFailed, "cannot inspect \(file.path): \(String(cString: strerror(errno)))", fix: "check the state directory's permissions")
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw MarketError(.masterKeyInsecure, "\(file.path) is not a plain file", fix: "replace it with the key file itself, not a link")
        }
        guard status.st_uid == geteuid() else {
            throw MarketError(.masterKeyInsecure, "\(file.path) belongs to another user",
                              fix: "run market as the key file's owner, or `chown` it to this user")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw MarketError(.masterKeyInsecure,
                              "\(file.path) can be read or changed by other users (mode \(String(status.st_mode & 0o777, radix: 8)))",
                              fix: "run `chmod 600 \(file.path)`")
        }
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw MarketError(.ioFailed, "cannot read \(file.path)", fix: "check its permissions", underlying: error)
        }
        return try MasterKey(base64: text, source: file.path)
    }

    /// Makes a new key file, so that two processes starting at once end up with the same key.
    private static func create(_ file: URL, logger: Logger) throws -> MasterKey {
        let folder = file.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw MarketError(.ioFailed, "cannot create the state directory \(folder.path)", fix: "choose a writable --state-dir", underlying: error)
        }
        let key = generate()
        guard try key.linkNew(at: file) else {
            guard let winner = try read(file) else {
                throw MarketError(.ioFailed, "cannot create \(file.path): it came and went", fix: "run the command again")
            }
            return winner
        }
        logger.notice("created a master key for secrets", metadata: ["file": .string(file.path), "key_id": .string(key.id)])
        return key
    }

    /// Writes the key (mode 0600) to `file`, which must not exist yet.
    /// - Throws: `IO_FAILED`, also when `file` exists.
    public func save(to file: URL) throws {
        guard try linkNew(at: file) else {
            throw MarketError(.ioFailed, "\(file.path) exists already", fix: "move it away, or name another file")
        }
    }

    /// Writes the key to a private temporary file beside `file` and links it into place, so no
    /// reader ever sees a partial key.
    /// - Returns: false, writing nothing, when `file` exists already.
    private func linkNew(at file: URL) throws -> Bool {
        let folder = file.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(file.lastPathComponent).\(UUID().uuidString)")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else {
            throw MarketError(.ioFailed, "cannot create \(temporary.path): \(String(cString: strerror(errno)))", fix: "choose a writable --state-dir")
        }
        defer { unlink(temporary.path) }
        let text = Array((base64 + "\n").utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor)
        close(descriptor)
        guard written == text.count, synced == 0 else {
            throw MarketError(.ioFailed, "cannot write \(temporary.path)", fix: "free disk space in the state directory")
        }
        guard link(temporary.path, file.path) == 0 else {
            let failure = errno
            if failure == EEXIST { return false }
            throw MarketError(.ioFailed, "cannot create \(file.path): \(String(cString: strerror(failure)))", fix: "choose a writable --state-dir")
        }
        return true
    }

    /// Moves the key file `file` into the state directory as its key (replacing the key there
    /// in one step).
    /// - Throws: `IO_FAILED`.
    public static func install(_ file: URL, stateDirectory: URL) throws {
        let target = stateDirectory.appendingPathComponent(fileName)
        guard rename(file.path, target.path) == 0 else {
            throw MarketError(.ioFailed, "cannot move \(file.path) to \(target.path): \(String(cString: strerror(errno)))",
                              fix: "move it there yourself (mode 0600, owned by the user market runs as)")
        }
    }

    /// The key in base64, as `MARKET_MASTER_KEY` takes it.
    var base64: String { key.withUnsafeBytes { Data($0).base64EncodedString() } }
}
