import Foundation
import PluginKit

/// The tenant's inbound hooks, from the plugin's config: the sources (each an opaque id, the
/// hook URL's last segment, and the event type its deliveries stand for) and the `whsec_`
/// secrets senders sign with (several while one is rotated).
struct InboundConfig: Sendable {
    struct Source: Decodable, Sendable {
        let id: String
        let event_type: String
    }

    let sources: [String: Source]
    /// The decoded keys of `inbound_secret`; empty when it is unset or not all of it is valid.
    let keys: [Data]
    /// Whether `inbound_secret` is set but not `whsec_` secrets of 24–64 bytes. Only inbound
    /// hooks refuse then: deliveries to endpoints must not stop over the inbound settings.
    let secretIsInvalid: Bool

    private struct Fields: Decodable {
        let inbound_secret: String?
        let inbound_sources: [Source]?
    }

    init(_ config: PluginConfig) throws {
        let fields = try config.decode(Fields.self)
        sources = Dictionary((fields.inbound_sources ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let parts = (fields.inbound_secret ?? "").split(separator: " ")
        let decoded = parts.compactMap { SigningSecrets.symmetricKey(String($0)) }
        secretIsInvalid = decoded.count != parts.count
        keys = secretIsInvalid ? [] : decoded
    }
}
