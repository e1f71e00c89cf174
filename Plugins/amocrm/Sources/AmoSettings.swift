import Foundation
import PluginKit

/// Which amoCRM account the tenant's instance talks to. The account is `https://{subdomain}.{domain}`
/// (`acme` and `amocrm.ru`; Kommo accounts are on `kommo.com`); `api_url` replaces that root,
/// for a proxy in front of amoCRM or a test server.
struct AmoSettings {
    private struct Raw: Decodable {
        var subdomain: String?
        var domain: String?
        var api_url: String?
        var default_task_hours: Int?
    }

    /// The account's root, without a trailing slash: requests go to `{root}/api/v4/…`.
    let root: String
    /// The subdomain as configured, which inbound hooks name in `account[subdomain]`.
    let subdomain: String?
    /// A task without `due_at` is due this many hours after it is made (amoCRM needs a time).
    let defaultTaskHours: Int

    init(_ config: PluginConfig) throws {
        let raw = try config.decode(Raw.self)
        defaultTaskHours = raw.default_task_hours ?? 24
        subdomain = raw.subdomain
        if let url = raw.api_url {
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else {
                throw PluginError(.invalidArgument, "api_url is '\(url.prefix(100))', not an http(s) URL; leave it out to use https://{subdomain}.amocrm.ru")
            }
            root = url.hasSuffix("/") ? String(url.dropLast()) : url
            return
        }
        guard let subdomain = raw.subdomain, !subdomain.isEmpty else {
            throw PluginError(.invalidArgument, "amocrm needs 'subdomain', the first part of the account's address (acme for https://acme.amocrm.ru): `market config amocrm --tenant T subdomain=acme`")
        }
        let domain = raw.domain ?? "amocrm.ru"
        for (name, value) in [("subdomain", subdomain), ("domain", domain)] where !Self.isHostPart(value) {
            throw PluginError(.invalidArgument, "\(name) '\(value.prefix(64))' is not part of a host name; use letters, digits, dots and hyphens, e.g. subdomain=acme domain=amocrm.ru")
        }
        root = "https://\(subdomain).\(domain)"
    }

    static func isHostPart(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 100 && text.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-"
        }
    }
}
