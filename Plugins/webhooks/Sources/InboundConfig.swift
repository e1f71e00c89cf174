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
    /// The decoded keys of `inbound_secret`.
    let keys: [Data]

    private struct Fields: Decodable {
        let inbound_secret: String?
        let inbound_sources: [Source]?
    }

    init(_ config: PluginConfig) throws {
        let fields = try config.decode(Fields.self)
        sources = Dictionary((fields.inbound_sources ?? []).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        keys = try (fields.inbound_secret ?? "").split(separator: " ").map { secret in
            guard let key = SigningSecrets.symmetricKey(String(secret)) else {
                throw PluginError(.invalidArgument, "inbound_secret is not whsec_ followed by the base64 of 24 to 64 bytes")
            }
            return key
        }
    }
}
