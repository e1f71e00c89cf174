/// How long a CRM plugin keeps a marker that it published a record's event itself (or already
/// saw the service report it), in `market.kv/1` with an expiry: far longer than amoCRM,
/// Bitrix24 or HubSpot retry a webhook (hours, at most a day), so a report of the same change
/// is still recognised; short enough that one small key per record made does not pile up.
/// A lead's last known stage is not such a marker: it is kept for as long as the lead lives.
public enum PublishedMarkers {
    public static let lifetimeSeconds: UInt32 = 7 * 86_400
}
