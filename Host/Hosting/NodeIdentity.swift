import Foundation
import MarketCore

/// The id a `market serve` replica reports its plugin state under: stable per state folder (kept
/// in `<state-dir>/node-id`, made on first use), or the one `--node-id` names.
public enum NodeIdentity {
    public static let fileName = "node-id"

    /// `override` when given, else the id kept in `stateDirectory`, made (`node-` and 12 hex
    /// digits) when there is none.
    /// - Throws: `IO_FAILED` when the file cannot be read or written; `NODE_ID_INVALID` for an
    ///   id that is not 1–64 of a–z A–Z 0–9 . _ -.
    public static func resolve(stateDirectory: URL, override: String?) throws -> String {
        if let override { return try checked(override, from: "--node-id") }
        let file = stateDirectory.appendingPathComponent(fileName)
        if let data = FileManager.default.contents(atPath: file.path) {
            return try checked(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), from: file.path)
        }
        let made = "node-" + String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
        do {
            try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
            try Data((made + "\n").utf8).write(to: file, options: .withoutOverwriting)
        } catch {
            // Another process made it first: its id is the folder's.
            if let data = FileManager.default.contents(atPath: file.path) {
                return try checked(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), from: file.path)
            }
            throw MarketError(.ioFailed, "cannot write \(file.path)", fix: "make the state directory writable, or pass --node-id", underlying: error)
        }
        return made
    }

    static func checked(_ id: String, from source: String) throws -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard (1...64).contains(id.count), id.allSatisfy(allowed.contains) else {
            throw MarketError(.nodeIDInvalid, "the node id from \(source) is not 1–64 of a–z A–Z 0–9 . _ -",
                              fix: "pass --node-id NAME, e.g. --node-id web-1, or remove the node-id file to make a new one")
        }
        return id
    }
}

extension MarketError.Code {
    /// A node id that is empty, too long or has characters outside a–z A–Z 0–9 . _ -.
    public static let nodeIDInvalid = Self(rawValue: "NODE_ID_INVALID")
}
