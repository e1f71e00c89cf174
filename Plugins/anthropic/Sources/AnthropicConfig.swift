/// The instance's settings (see plugin.json's config schema).
struct AnthropicConfig: Decodable {
    var base_url: String?
    var model: String
    var max_tokens: Int?
    var temperature: Double?
    var anthropic_version: String?
    var extra_headers: [String: String]?
    var max_retries: Int?

    var endpoint: String {
        var base = base_url ?? "https://api.anthropic.com"
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/v1/messages"
    }
}
