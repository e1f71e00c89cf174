import Foundation
import PluginKit

/// The installation's settings (plugin.json's `config`), checked once when the instance is
/// made. The portal may be missing: the instance still starts, so it can be installed first and
/// configured after, and its tools and connection test say what to set.
struct Bitrix24Settings: Sendable {
    /// Leads are deals (`crm.deal.*`, pipelines are deal categories) or leads (`crm.lead.*`,
    /// one pipeline of lead statuses).
    enum Entity: String, Sendable {
        case deal, lead
    }

    /// `https://acme.bitrix24.ru`, without a trailing slash; nil when not set.
    let portal: String?
    let entity: Entity
    /// Who tasks are assigned to; nil: the responsible person of the contact or lead.
    let responsibleID: Int?

    private struct Fields: Decodable {
        let portal_url: String?
        let portal_host: String?
        let entity: String?
        let responsible_id: Int?
    }

    init(_ config: PluginConfig) throws {
        let fields = try config.decode(Fields.self)
        switch fields.entity ?? "deal" {
        case "deal": entity = .deal
        case "lead": entity = .lead
        case let other:
            throw PluginError(.invalidArgument, "entity is '\(other.prefix(20))': use \"deal\" (leads are Bitrix24 deals) or \"lead\" (Bitrix24 leads)")
        }
        if let id = fields.responsible_id, id <= 0 {
            throw PluginError(.invalidArgument, "responsible_id is \(id): give the id of a Bitrix24 user (a positive number), or leave it out")
        }
        responsibleID = fields.responsible_id
        portal = try Self.portal(url: fields.portal_url, host: fields.portal_host)
    }

    /// The portal's root from `portal_url`, or from `portal_host` (what OAuth sign-in needs),
    /// which must agree when both are given.
    static func portal(url: String?, host: String?) throws -> String? {
        let host = host?.trimmingCharacters(in: .whitespaces).lowercased()
        if let host, !host.isEmpty {
            guard host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }), host.contains(".") else {
                throw PluginError(.invalidArgument, "portal_host is '\(host.prefix(80))', not a host name: give the portal's name such as acme.bitrix24.ru")
            }
        }
        guard let raw = url?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
            guard let host, !host.isEmpty else { return nil }
            return "https://" + host
        }
        // A pasted webhook URL carries its secret: never quote it back.
        if raw.contains("/rest/") {
            throw PluginError(.invalidArgument, "portal_url must be the portal's address only, such as https://acme.bitrix24.ru; "
                              + "give the webhook's '<user id>/<secret>' as the connection (market connections set bitrix24 --api-key), not in the settings")
        }
        guard let parts = URLComponents(string: raw), let scheme = parts.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let name = parts.host, !name.isEmpty, parts.query == nil, parts.path.isEmpty || parts.path == "/" else {
            throw PluginError(.invalidArgument, "portal_url is '\(raw.prefix(80))', not a portal address: give one such as https://acme.bitrix24.ru")
        }
        if let host, !host.isEmpty, host != name.lowercased() {
            throw PluginError(.invalidArgument, "portal_host '\(host)' and portal_url's host '\(name)' differ: give the same portal in both, or only one of them")
        }
        return "\(scheme)://\(name)" + (parts.port.map { ":\($0)" } ?? "")
    }

    /// The portal, or the error naming the setting.
    func requirePortal(_ context: CallContext?) throws -> String {
        if let portal { return portal }
        // Tool calls' context may not name the tenant; ingress and connection tests do.
        let tenant = context.flatMap { Self.tenant($0) } ?? "TENANT"
        throw PluginError(.invalidArgument, "the Bitrix24 portal is not set: market config bitrix24 --tenant \(tenant) portal_url=https://YOUR-PORTAL.bitrix24.ru")
    }

    private struct CallFor: Decodable {
        let tenant_id: String?
    }

    static func tenant(_ context: CallContext) -> String? {
        (try? JSONDecoder().decode(CallFor.self, from: Data(context.contextJSON.utf8)))?.tenant_id
    }
}
