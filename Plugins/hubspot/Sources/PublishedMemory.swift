import CRMKit
import PluginKit

/// What the plugin has already published, in the instance's `market.kv/1` namespace, so that
/// HubSpot's webhook about a change a tool made (HubSpot reports its API's changes too) or a
/// webhook HubSpot sends again does not publish the event twice, and a stage change knows the
/// stage it came from.
enum Published {
    /// contact.created was published for the contact.
    case contactCreated(String)
    /// lead.created was published for the deal.
    case leadCreated(String)
    /// The deal's stage as last published.
    case stage(String, String)

    var key: String {
        switch self {
        case .contactCreated(let id): "seen/contact/\(id)"
        case .leadCreated(let id): "seen/deal/\(id)"
        case .stage(let id, _): "stage/\(id)"
        }
    }
}

extension HubSpotPlugin {
    /// Records `fact`; a host without a key-value store only loses the deduplication.
    /// Markers of what was published expire (`PublishedMarkers`); a deal's stage is kept, as
    /// the stage a later change comes from.
    func remember(_ fact: Published) {
        if case .stage(_, let stage) = fact {
            try? host.kvPut(fact.key, Array(stage.utf8))
        } else {
            try? host.kvPut(fact.key, Array("1".utf8), expiresAfter: PublishedMarkers.lifetimeSeconds)
        }
    }

    func recalls(_ fact: Published) -> Bool {
        (try? host.kvGet(fact.key)) != nil
    }

    /// The stage last published for deal `id`.
    func lastStage(of id: String) -> String? {
        (try? host.kvGet(Published.stage(id, "").key)).flatMap { $0.map { String(decoding: $0, as: UTF8.self) } }
    }
}
