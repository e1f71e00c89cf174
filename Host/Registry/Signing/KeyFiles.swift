import Foundation
import MarketCore

/// Key files as `market keygen` writes them: `NAME.key` (the private key, mode 0600) and
/// `NAME.pub` (the public key), both small JSON objects holding the raw key in base64.
public enum KeyFiles {
    /// The paths of a newly written pair.
    public struct Written: Sendable {
        public let privateKey: URL
        public let publicKey: URL
        public let keyID: String
    }

    /// Writes `key` as `NAME.key` and `NAME.pub` in `folder` (created if missing). Refuses to
    /// overwrite an existing private key, which would lose it.
    public static func write(_ key: SigningKey, to folder: URL, name: String) throws -> Written {
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw MarketError(.keyInvalid, "'\(name)' is not a key name", fix: "use a plain file name such as 'publisher'")
        }
        let privateURL = folder.appendingPathComponent("\(name).key")
        let publicURL = folder.appendingPathComponent("\(name).pub")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw MarketError(.ioFailed, "cannot create \(folder.path)", underlying: error)
        }
        let privateJSON = JSONValue.object([
            "keytype": .string("ed25519"), "keyid": .string(key.id), "private": .string(key.rawRepresentation.base64EncodedString()),
        ])
        try writeExclusively(Data((privateJSON.jsonText + "\n").utf8), to: privateURL, mode: 0o600)
        do {
            try Data((publicJSON(key.publicKey).jsonText + "\n").utf8).write(to: publicURL, options: .atomic)
        } catch {
            throw MarketError(.ioFailed, "cannot write \(publicURL.path)", underlying: error)
        }
        return Written(privateKey: privateURL, publicKey: publicURL, keyID: key.id)
    }

    /// Reads a private key file.
    public static func loadSigningKey(from url: URL) throws -> SigningKey {
        let object = try readObject(url)
        guard case .string(let encoded)? = object["private"], let raw = Data(base64Encoded: encoded) else {
            throw MarketError(.keyInvalid, "\(url.path) holds no private key", fix: "pass the .key file written by `market keygen`, not the .pub file")
        }
        return try SigningKey(rawRepresentation: raw)
    }

    /// Reads a public key file (a `.pub`); a private key file is accepted too, and only its
    /// public half is used.
    public static func loadPublicKey(from url: URL) throws -> PublicKey {
        let object = try readObject(url)
        if case .string(let encoded)? = object["public"] { return try PublicKey(base64: encoded) }
        return try loadSigningKey(from: url).publicKey
    }

    /// The JSON of a public key file; root metadata lists keys in the same shape.
    public static func publicJSON(_ key: PublicKey) -> JSONValue {
        .object(["keytype": .string("ed25519"), "keyid": .string(key.id), "public": .string(key.base64)])
    }

    private static func readObject(_ url: URL) throws -> JSONValue {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw MarketError(.keyInvalid, "cannot read the key file \(url.path)", fix: "check the path; `market keygen --out DIR` writes a pair", underlying: error)
        }
        guard let object = try? JSONValue(parsing: text), object["keytype"] == .string("ed25519") else {
            throw MarketError(.keyInvalid, "\(url.path) is not an ed25519 key file", fix: "use a key file written by `market keygen`")
        }
        return object
    }

    private static func writeExclusively(_ data: Data, to url: URL, mode: mode_t) throws {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            if errno == EEXIST {
                throw MarketError(.keyInvalid, "\(url.path) already exists", fix: "choose another --name or folder; an existing private key is never overwritten")
            }
            throw MarketError(.ioFailed, "cannot create \(url.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let written = data.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
        guard written == data.count, fchmod(descriptor, mode) == 0 else {
            unlink(url.path)
            throw MarketError(.ioFailed, "cannot write \(url.path)")
        }
    }
}
