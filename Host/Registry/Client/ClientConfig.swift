import Foundation
import MarketCore

/// `<state-dir>/config.json`: the registries a client uses, in priority order, with their
/// mirrors, and the publisher keys the operator trusts for package files.
public struct ClientConfig: Codable, Sendable, Equatable {
    /// A registry by name: where it is and where else the same tree is served.
    public struct Registry: Codable, Sendable, Equatable {
        public var name: String
        /// An http(s):// URL or a folder, as `RegistrySource` normalises it.
        public var url: String
        public var mirrors: [String]

        public init(name: String, url: String, mirrors: [String] = []) {
            self.name = name
            self.url = url
            self.mirrors = mirrors
        }
    }

    /// A publisher key trusted for `install --from`.
    public struct Publisher: Codable, Sendable, Equatable {
        public var id: String
        /// The raw ed25519 key in base64.
        public var key: String
        public var name: String?

        public init(id: String, key: String, name: String?) {
            self.id = id
            self.key = key
            self.name = name
        }
    }

    public static let fileName = "config.json"

    public var registries: [Registry] = []
    public var publishers: [Publisher] = []

    public init() {}

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        registries = try container.decodeIfPresent([Registry].self, forKey: .registries) ?? []
        publishers = try container.decodeIfPresent([Publisher].self, forKey: .publishers) ?? []
    }

    /// The config in `folder`; an empty one when there is none.
    public static func read(in folder: URL) throws -> ClientConfig {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return ClientConfig() }
        do {
            return try JSONDecoder().decode(ClientConfig.self, from: readFile(url))
        } catch let error as MarketError {
            throw error
        } catch {
            throw MarketError(.registryInvalid, "\(url.path) is not a readable config", fix: "fix its JSON by hand, or remove it and add the registries again",
                              underlying: error)
        }
    }

    /// Reads, changes and writes the config under the state folder's lock, so two commands
    /// never lose each other's change. Nothing is written if `body` throws.
    public static func update<T>(in folder: URL, _ body: (inout ClientConfig) throws -> T) throws -> T {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try RegistryLock.withLock(folder) {
            var config = try read(in: folder)
            let result = try body(&config)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try AtomicFile.write(try encoder.encode(config) + Data("\n".utf8), to: folder.appendingPathComponent(fileName))
            return result
        }
    }

    /// The registry whose name is `text`, or whose location is the one `text` names.
    public func registry(named text: String) -> Registry? {
        if let byName = registries.first(where: { $0.name == text }) { return byName }
        let location = try? RegistrySource(text).location
        return registries.first { (try? RegistrySource($0.url).location) == location }
    }

    /// The trusted publisher keys by id.
    public func trustedPublishers() throws -> [String: PublicKey] {
        var keys: [String: PublicKey] = [:]
        for publisher in publishers {
            let key = try PublicKey(base64: publisher.key)
            guard key.id == publisher.id else {
                throw MarketError(.keyInvalid, "config.json trusts key \(publisher.id) under the wrong id", fix: "remove it with `market trust remove \(publisher.id)` and add it again")
            }
            keys[key.id] = key
        }
        return keys
    }
}
