import Foundation

/// Amplitude's answer to one upload: the status and what its JSON body says about the events.
struct UploadAnswer {
    let status: Int
    private let object: [String: Any]
    private let text: String

    init(status: Int, body: [UInt8]) {
        self.status = status
        object = (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:]
        text = String(decoding: body.prefix(300), as: UTF8.self)
    }

    /// Amplitude's own words (`error`), e.g. "Invalid API key: …".
    var error: String { object["error"] as? String ?? "" }

    /// A 400 about the key itself, not the events.
    var refusesKey: Bool { error.hasPrefix("Invalid API key") }

    /// ": <the start of the body>" for a reason, without the key (Amplitude echoes a refused one).
    func summary(hiding key: String) -> String {
        let shown = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !shown.isEmpty else { return "" }
        return ": " + (key.isEmpty ? shown : shown.replacingOccurrences(of: key, with: "<api_key>"))
    }

    /// Why each named event of a 400 was refused, by index in the request (indices outside
    /// `0..<count` are ignored).
    func eventReasons(count: Int) -> [Int: String] {
        var reasons: [Int: [String]] = [:]
        let maps = [("events_with_invalid_fields", "invalid field"), ("events_with_missing_fields", "missing field"),
                    ("events_with_invalid_id_lengths", "id too short")]
        for (member, what) in maps {
            guard let fields = object[member] as? [String: Any] else { continue }
            for (field, value) in fields.sorted(by: { $0.key < $1.key }) {
                for index in Self.indices(value) where (0..<count).contains(index) {
                    reasons[index, default: []].append("\(what) '\(field)'")
                }
            }
        }
        for index in Self.indices(object["silenced_events"]) where (0..<count).contains(index) {
            reasons[index, default: []].append("its device is silenced in Amplitude")
        }
        return reasons.mapValues { $0.joined(separator: "; ") }
    }

    /// The indices of a 429's throttled events.
    var throttledEvents: [Int] { Self.indices(object["throttled_events"]) }
    var eventsPerSecondLimit: Int? { object["eps_threshold"] as? Int }
    /// Users and devices over their daily quota: Amplitude documents maps of id to count;
    /// a plain list of ids is read too.
    var usersOverDailyQuota: Set<String> { Self.ids(object["exceeded_daily_quota_users"]) }
    var devicesOverDailyQuota: Set<String> { Self.ids(object["exceeded_daily_quota_devices"]) }

    private static func ids(_ value: Any?) -> Set<String> {
        if let map = value as? [String: Any] { return Set(map.keys) }
        return Set(value as? [String] ?? [])
    }

    private static func indices(_ value: Any?) -> [Int] {
        (value as? [Any] ?? []).compactMap { $0 as? Int }
    }
}
