import Foundation
import PluginKit

/// An endpoint's settings as the host stores them (public, shown to the owner): what the owner
/// gave, checked, plus the public key of an asymmetric endpoint.
struct EndpointSettings: Codable, Equatable {
    var url: String
    var description: String?
    /// Sent with every delivery, after the Standard Webhooks headers.
    var headers: [String: String]?
    /// Ed25519 signatures ("v1a") instead of HMAC-SHA256 ("v1").
    var asymmetric: Bool?
    /// `whpk_…`, for the owner to verify "v1a" signatures; made by the plugin.
    var public_key: String?
    /// The whole attempt's limit, 1–15 s (15 s, the Standard's, when absent).
    var timeout_seconds: Int?

    static let defaultTimeoutSeconds = 15

    var isAsymmetric: Bool { asymmetric ?? false }

    /// Checks `patch` (the owner's settings) over `current`: a given member replaces the stored
    /// one, `null` removes an optional one, a missing one is kept (a JSON Merge Patch, so a host
    /// may send only the changes or everything).
    init(validating patch: SettingsPatch, over current: EndpointSettings?) throws {
        switch patch.url {
        case .keep, .remove:
            guard let current else { throw invalid("url", "is required", "give the endpoint's http or https URL") }
            url = current.url
        case .set(let text): url = try Self.checkedURL(text)
        }
        description = try patch.description.applied(to: current?.description) { text in
            guard text.count <= 500 else { throw invalid("description", "is longer than 500 characters", "shorten it") }
            return text
        }
        headers = try patch.headers.applied(to: current?.headers, CustomHeaders.checked)
        asymmetric = patch.asymmetric.applied(to: current?.asymmetric) { $0 }
        timeout_seconds = try patch.timeout_seconds.applied(to: current?.timeout_seconds) { seconds in
            guard (1...Self.defaultTimeoutSeconds).contains(seconds) else {
                throw invalid("timeout_seconds", "must be from 1 to 15", "leave it out for the Standard's 15 s")
            }
            return seconds
        }
    }

    /// An absolute http or https URL with a host and no user name or password.
    static func checkedURL(_ text: String) throws -> String {
        guard text.utf8.count <= 2048, let parts = URLComponents(string: text) else {
            throw invalid("url", "is not a URL", "give an absolute http or https URL, e.g. https://example.com/hooks")
        }
        guard let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https" else {
            throw invalid("url", "must use http or https", "give an absolute http or https URL, e.g. https://example.com/hooks")
        }
        guard let host = parts.host, !host.isEmpty else { throw invalid("url", "has no host", "give an absolute URL with a host") }
        guard parts.user == nil, parts.password == nil else {
            throw invalid("url", "carries a user name or password", "remove them; send credentials as a custom header instead")
        }
        return text
    }
}

/// The owner's custom headers: plain names, none the protocol or the signature owns.
enum CustomHeaders {
    /// Hop-by-hop headers and those the transport or the plugin sets.
    static let refused: Set<String> = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te",
                                        "trailer", "trailers", "transfer-encoding", "upgrade", "host", "content-length", "content-type",
                                        "expect"]

    static func checked(_ object: [String: String]) throws -> [String: String] {
        guard object.count <= 20 else { throw invalid("headers", "has more than 20 headers", "keep at most 20") }
        var headers: [String: String] = [:]
        for (name, text) in object {
            let lower = name.lowercased()
            guard (1...100).contains(name.utf8.count), name.utf8.allSatisfy(isTokenByte) else {
                throw invalid("headers", "has the name \(name.debugDescription), which is not an HTTP header name", "use letters, digits and - only")
            }
            guard !refused.contains(lower), !lower.hasPrefix("webhook-") else {
                throw invalid("headers", "sets \(name), which the plugin or the connection owns", "remove it; webhook-* and hop-by-hop headers cannot be set")
            }
            guard text.utf8.count <= 1000, !text.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw invalid("headers", "has a value for \(name) that is not a one-line string of at most 1000 bytes", "give one line of text")
            }
            headers[name] = text
        }
        return headers
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte)
    }
}

/// A bad setting: `.invalidArgument` naming the field and the fix.
func invalid(_ field: String, _ problem: String, _ fix: String) -> PluginError {
    PluginError(.invalidArgument, "settings.\(field) \(problem): \(fix)")
}
