import Foundation
import HTTPTypes
import Hummingbird
import MarketCore
import MarketRegistry
import MarketStore

/// What the admin plugin routes read from a request and how they answer: the plugin id of
/// the path, `If-Match` with a generation, and the desired state with `ETag`.
enum AdminPluginInput {
    /// The admin principal and the `{plugin}` of the path.
    /// - Throws: `ACCESS_DENIED` for a tenant's token (before anything else is read), then
    ///   `PLUGIN_ID_INVALID`.
    static func scope(_ context: MarketRequestContext, to action: String) throws -> (Principal, String) {
        let principal = try context.requirePrincipal()
        try Scope.requireAdmin(principal, to: action)
        let id = RequestInput.path(context, "plugin")
        guard PluginManifest.isIdentifier(id) else {
            throw Problem(.pluginIDInvalid, "'\(RequestInput.shown(id))' is not a plugin id",
                          fix: "ids are 2–64 lower-case letters, digits or '-', starting with a letter, e.g. notes")
        }
        return (principal, id)
    }

    /// The generation `If-Match` names (`"3"` or `3`), or nil without the header.
    /// - Throws: `BAD_REQUEST` for anything else.
    static func ifMatch(_ request: Request) throws -> Int64? {
        guard let text = request.headers[.ifMatch] else { return nil }
        var value = Substring(text.trimmingCharacters(in: .whitespaces))
        if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
        guard let generation = Int64(value), generation >= 0 else {
            throw Problem(.badRequest, "If-Match must name one generation of the plugin's desired state, e.g. If-Match: \"3\"",
                          fix: "send the generation (or ETag) that GET /v1/admin/plugins/{plugin} answered, or leave the header out")
        }
        return generation
    }

    /// `pluginID`'s desired state with every node's report, with its generation as `ETag`.
    /// - Throws: `NOT_INSTALLED` when none was ever recorded.
    static func response(_ store: DesiredPlugins, _ pluginID: String, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let plugin = try await store.desired(pluginID) else {
            throw Problem(.notInstalled, "no desired state of \(pluginID) is recorded",
                          fix: "install it with POST /v1/admin/plugins/\(pluginID)/install; GET /v1/admin/plugins lists the desired plugins")
        }
        let resource = DesiredPluginResource(plugin: plugin, nodes: try await store.states(of: pluginID))
        return try JSONResponse.make(resource, status: status, headers: [.eTag: "\"\(plugin.generation)\""])
    }
}
