extension PluginManifest {
    /// Caps on what a manifest may hold. Every catalogue, index, search and install probe
    /// carries each published manifest's text, so one plugin must not be able to make them
    /// slow for everyone; the caps are checked at pack, publish, install and load.
    public enum Limits {
        /// The whole plugin.json.
        public static let fileBytes = 256 * 1024
        /// Characters of `name`, `publisher` and `license`.
        public static let shortText = 100
        /// Characters of `summary`.
        public static let summary = 300
        /// Characters of a tool's description in the manifest's listing.
        public static let toolDescription = 1_000
        /// Tools in the manifest's listing.
        public static let tools = 256
        /// Entries of each permission list and of `dependencies`.
        public static let listEntries = 64
    }

    /// Throws through `fail` (field, problem, fix) for the first field over its cap.
    func validateSizes(_ fail: (String, String, String) -> MarketError) throws {
        for (field, value, cap) in [("name", name, Limits.shortText), ("summary", summary, Limits.summary),
                                    ("publisher", publisher, Limits.shortText), ("license", license, Limits.shortText)]
        where value.count > cap {
            throw fail(field, "is \(value.count) characters, over the cap of \(cap)", "shorten it; the README is the place for long text")
        }
        guard tools.count <= Limits.tools else {
            throw fail("tools", "lists \(tools.count) tools, over the cap of \(Limits.tools)", "list at most \(Limits.tools); the plugin's own list is authoritative")
        }
        for (index, tool) in tools.enumerated() where tool.description.count > Limits.toolDescription {
            throw fail("tools[\(index)].description", "is \(tool.description.count) characters, over the cap of \(Limits.toolDescription)",
                       "shorten it; the plugin's own tool list can describe the tool at length")
        }
        let lists = [("permissions.network", permissions.network.count), ("permissions.secrets", permissions.secrets.count),
                     ("permissions.processes", permissions.processes.count), ("permissions.events.subscribe", permissions.events.subscribe.count),
                     ("permissions.events.emit", permissions.events.emit.count), ("dependencies", dependencies.count)]
        for (field, count) in lists where count > Limits.listEntries {
            throw fail(field, "has \(count) entries, over the cap of \(Limits.listEntries)", "list at most \(Limits.listEntries)")
        }
    }
}
