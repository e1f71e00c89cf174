import Foundation
import PluginKit

/// The installation's settings (plugin.json's `config`), checked once when the instance is made.
struct HubSpotSettings: Sendable {
    private struct Raw: Decodable {
        var api_url: String?
        var hook_url: String?
        var requests_per_10_seconds: Int?
    }

    /// HubSpot's API root without a trailing slash: requests go to `{root}/crm/v3/…`.
    let root: String
    /// The public URL HubSpot posts webhooks to, without a trailing slash; nil until the tenant
    /// sets it (tools work without it, inbound webhooks answer 503 naming it).
    let hookURL: String?
    /// The account's burst limit per 10 seconds (100 on Free and Starter).
    let requestsPer10Seconds: Int

    init(_ config: PluginConfig) throws {
        let raw = try config.decode(Raw.self)
        root = try Self.url(raw.api_url ?? "https://api.hubapi.com", field: "api_url", example: "https://api.hubapi.com")
        hookURL = try raw.hook_url.map { try Self.url($0, field: "hook_url", example: "https://market.example.com/hooks/hk_…/") }
        let burst = raw.requests_per_10_seconds ?? 100
        guard (10...250).contains(burst) else {
            throw PluginError(.invalidArgument, "requests_per_10_seconds is \(burst); use your HubSpot account's burst limit, 10 to 250 (100 on Free and Starter)")
        }
        requestsPer10Seconds = burst
    }

    private static func url(_ text: String, field: String, example: String) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("https://") || trimmed.hasPrefix("http://"), trimmed.count > "https://".count else {
            throw PluginError(.invalidArgument, "\(field) is '\(text.prefix(100))', not an http(s) URL; use one such as \(example)")
        }
        var root = Substring(trimmed)
        while root.hasSuffix("/") { root = root.dropLast() }
        return String(root)
    }
}
