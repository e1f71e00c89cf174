import Foundation
import MarketCore

/// An installation's inbound hook: the opaque id its public URL is made of,
/// `/hooks/<id>/…` (docs/webhooks.md, "The hook URL"). Only plugins with
/// `permissions.ingress` have one.
public struct PluginHook: Sendable, Equatable {
    public let tenantID: String
    public let pluginID: String
    /// `hk_` and 32 base64url characters (192 random bits): unguessable, and naming neither
    /// the tenant nor the plugin.
    public let id: String
    /// Whether the installation is enabled; a disabled one's hook answers 404.
    public let enabled: Bool
    public let createdAt: Date
    /// When the id was last replaced; nil when never.
    public let rotatedAt: Date?

    /// The hook's path on the server; a plugin's own paths go below it.
    public var path: String { "/hooks/\(id)" }

    /// The API's and the CLI's JSON shape.
    public var json: JSONValue {
        .object([
            "plugin": .string(pluginID), "hook_id": .string(id), "path": .string(path), "enabled": .bool(enabled),
            "created_at": .string(Timestamp.format(createdAt)), "rotated_at": rotatedAt.map { .string(Timestamp.format($0)) } ?? .null,
        ])
    }

    /// A new hook id from the kernel's CSPRNG.
    static func makeID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "hk_" + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Whether `text` has the form of a hook id; anything else is not looked up.
    public static func isHookID(_ text: some StringProtocol) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 35 && text.hasPrefix("hk_") && bytes.dropFirst(3).allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }
}

extension MarketError.Code {
    /// No enabled installation has that hook id (unknown, rotated away, or disabled).
    public static let hookNotFound = Self(rawValue: "HOOK_NOT_FOUND")
    /// The plugin receives no inbound HTTP (its manifest lacks `permissions.ingress`), or the
    /// tenant has no installation of it.
    public static let hookNotSupported = Self(rawValue: "HOOK_NOT_SUPPORTED")
    /// An inbound hook's body is larger than the host hands to a plugin (1 MiB).
    public static let hookBodyTooLarge = Self(rawValue: "HOOK_BODY_TOO_LARGE")
}
