import Hummingbird
import MarketCore
import MarketStore

/// `GET /v1/plugins` and `GET /v1/plugins/{id}`: the plugins this server serves now. Public,
/// read-only information, like the registry catalog it came from (see docs/decisions.md).
struct PluginRoutes: RouteGroup {
    let catalog: PluginCatalog

    struct Listing: Encodable {
        let plugins: [CatalogEntry]
    }

    func register(on routes: RouteRegistrar) {
        routes.get("/v1/plugins") { _, _ in try JSONResponse.make(Listing(plugins: await catalog.entries())) }
        routes.get("/v1/plugins/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard PluginManifest.isIdentifier(id) else {
                throw Problem(.badRequest, "'\(Self.shown(id))' is not a plugin id",
                              fix: "ids are 2–64 lower-case letters, digits or '-', starting with a letter, e.g. notes")
            }
            guard let entry = await catalog.entry(id: id) else {
                throw Problem(.pluginNotFound, "no plugin with the id \(id) is installed on this server",
                              fix: "list the installed plugins with GET /v1/plugins, or install it with `market install \(id)`")
            }
            return try JSONResponse.make(entry)
        }
    }

    /// A bad id echoed back, cut short and with anything unprintable replaced.
    static func shown(_ id: String) -> String {
        let printable = id.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : String($0) }.joined()
        return printable.count > 64 ? String(printable.prefix(64)) + "…" : printable
    }
}
