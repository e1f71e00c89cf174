import Foundation

/// One way a configuration fails its schema: where (a JSON Pointer into the configuration)
/// and what is wrong. Messages quote the schema (bounds, patterns, allowed values), never the
/// value given, so a violation can be shown or logged even when the value is a secret.
public struct SchemaViolation: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// A JSON Pointer (RFC 6901) to the offending value: `/temperature`, `/servers/0/name`;
    /// empty for the configuration as a whole.
    public let path: String
    /// What is wrong, for people: `must be <= 2`.
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// The message of a required property that is absent.
    public static let missingMessage = "is required"

    /// Whether this is a required property that is absent (rather than a wrong value).
    public var isMissing: Bool { message == Self.missingMessage }

    /// `/temperature: must be <= 2`; the whole configuration is `/`.
    public var description: String { "\(path.isEmpty ? "/" : path): \(message)" }
}

/// The violations behind a `CONFIG_INVALID` error, every one of them, in path order.
public struct ConfigViolations: Error, Sendable, Equatable, CustomStringConvertible {
    public let violations: [SchemaViolation]

    public init(_ violations: [SchemaViolation]) { self.violations = violations }

    public var description: String { violations.map(\.description).joined(separator: "; ") }
}

extension MarketError.Code {
    /// A configuration does not satisfy its plugin's schema; the error lists every field.
    public static let configInvalid = Self(rawValue: "CONFIG_INVALID")
    /// A plugin's config schema uses a keyword or shape the host does not support.
    public static let configSchemaInvalid = Self(rawValue: "CONFIG_SCHEMA_INVALID")
}

extension MarketError {
    /// The per-field violations of a `CONFIG_INVALID` error; empty for other errors.
    public var violations: [SchemaViolation] { (underlying as? ConfigViolations)?.violations ?? [] }
}

/// Builds JSON Pointers (RFC 6901): `~` is written `~0` and `/` is written `~1`.
enum JSONPointer {
    static func appending(_ path: String, _ key: String) -> String {
        path + "/" + key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func appending(_ path: String, _ index: Int) -> String { path + "/" + String(index) }
}
