/// Text a registry publishes, held to the manifest's caps when a client reads it, so metadata
/// written by an older or careless registry cannot flood a terminal or a listing.
enum TextCap {
    static func apply(_ text: String, _ characters: Int) -> String {
        text.count <= characters ? text : String(text.prefix(characters - 1)) + "…"
    }
}
