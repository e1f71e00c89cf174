import PluginKit

/// The instance's settings (see plugin.json's config schema).
struct OpenAIConfig: Decodable {
    var base_url: String?
    var model: String
    var temperature: Double?
    var max_tokens: Int?
    var extra_headers: [String: String]?
    var max_retries: Int?

    var endpoint: String {
        var base = base_url ?? "https://api.openai.com/v1"
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/chat/completions"
    }

    var retries: Int { min(max(max_retries ?? 2, 0), 5) }
}
