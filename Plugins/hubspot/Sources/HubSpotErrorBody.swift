import Foundation
import PluginKit

/// HubSpot's error body: `{"status": "error", "message", "correlationId", "category"}`, and on a
/// 429 `policyName` (`TEN_SECONDLY_ROLLING`, `SECONDLY`, `DAILY`).
struct HubSpotErrorBody: Decodable {
    let message: String?
    let category: String?
    let policyName: String?
    let correlationId: String?

    init(_ response: HTTPResponse) {
        let decoded = try? JSONDecoder().decode(HubSpotErrorBody.self, from: Data(response.body))
        message = decoded?.message
        category = decoded?.category
        policyName = decoded?.policyName
        correlationId = decoded?.correlationId
        if decoded == nil { raw = String(decoding: response.body.prefix(300), as: UTF8.self) } else { raw = "" }
    }

    private var raw: String = ""

    enum CodingKeys: String, CodingKey {
        case message, category, policyName, correlationId
    }

    /// HubSpot's own words: the message, the category and the correlation id to quote to
    /// HubSpot's support; the start of the body when it is not HubSpot's error shape.
    func detail(hiding token: String?) -> String {
        var text = message ?? raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if let category { text += " [\(category)]" }
        if let correlationId { text += " (correlationId \(correlationId))" }
        if let token, !token.isEmpty { text = text.replacingOccurrences(of: token, with: "<token>") }
        return text
    }
}
