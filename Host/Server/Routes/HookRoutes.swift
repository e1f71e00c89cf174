import HTTPTypes
import Hummingbird
import NIOCore
import MarketCore
import MarketStore
import PluginHosting
import PluginRuntime

/// Inbound plugin hooks (docs/webhooks.md, "The hook URL"): `POST|GET|PUT /hooks/{hook}/{path…}`
/// hands the request to the instance of the installation the opaque hook id belongs to, with
/// the path below the hook, and answers what the plugin answers. No bearer token: the plugin
/// authenticates (the webhooks plugin checks signatures). The host refuses only what no plugin
/// should see: an unknown or disabled hook (404, the same for both) and a body over 1 MiB (413).
/// Also the tenant's hooks, `GET /v1/tenants/{tenant}/hooks`, and their rotation.
struct HookRoutes: RouteGroup {
    /// Nil when this server hosts no plugins; hooks then answer 404.
    let hooks: InboundHooks?
    let tenants: TenantStore

    func register(on routes: RouteRegistrar) {
        for method in [HTTPRequest.Method.post, .get, .put] {
            routes.on(method, "/hooks/{hook}/{path}", catchAll: true) { request, context in
                try await receive(request, context: context)
            }
        }
        routes.get("/v1/tenants/{tenant}/hooks", access: .authenticated) { _, context in
            let (principal, tenant) = try Scope.tenant(context)
            let listed = try await tenants.hooks(tenant: tenant, by: principal)
            return try JSONResponse.make(JSONValue.object(["hooks": .array(listed.map(\.json))]))
        }
        routes.on(.post, "/v1/tenants/{tenant}/plugins/{plugin}/hook/rotate", access: .authenticated) { _, context in
            let (principal, tenant) = try Scope.tenant(context)
            let hook = try await tenants.rotateHook(try RequestInput.pluginID(context), tenant: tenant, by: principal)
            return try JSONResponse.make(hook.json)
        }
    }

    private func receive(_ request: Request, context: MarketRequestContext) async throws -> Response {
        guard let hooks else { throw InboundHooks.notFound }
        let hook = try await hooks.resolve(RequestInput.path(context, "hook"))
        var request = request
        let body: ByteBuffer
        do {
            body = try await RequestBodyReader.collect(&request, upTo: InboundHooks.maximumBodyBytes, context: context)
        } catch let problem as Problem where problem.code == .bodyTooLarge {
            throw Problem(.hookBodyTooLarge, "the body is larger than 1 MiB, so it was not handed to the plugin",
                          fix: "send at most 1 MiB per request", status: .contentTooLarge)
        }
        let headers = request.headers.filter { !HopByHop.names.contains($0.name) }.map { (name: $0.name.canonicalName, value: $0.value) }
        let answer = try await hooks.handle(hook, method: request.method.rawValue, path: Self.below(request.uri.path, query: request.uri.query),
                                            headers: headers, body: Array(body.readableBytesView))
        var fields = HTTPFields()
        for (name, value) in answer.headers.sorted(by: { $0.key < $1.key }) {
            guard let field = HTTPField.Name(name), !HopByHop.names.contains(field) else { continue }
            fields.append(HTTPField(name: field, value: value))
        }
        guard (200...599).contains(answer.status) else {
            throw MarketError(.invalidResult, "\(hook.pluginID) answered its hook with status \(answer.status), which is not a final HTTP status")
        }
        let status = HTTPResponse.Status(code: answer.status)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// The path and query below `/hooks/<id>`, starting with `/`, as the client sent them.
    static func below(_ path: String, query: String?) -> String {
        let segments = path.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
        // "", "hooks", "<id>/rest…"
        let rest = segments.count == 3 ? segments[2].drop { $0 != "/" } : ""
        let below = rest.isEmpty ? "/" : String(rest)
        guard let query, !query.isEmpty else { return below }
        return below + "?" + query
    }
}

/// Headers that belong to one connection, not to the message: never passed to a plugin or
/// from it (RFC 9110, 7.6.1), nor the length, which the server sets for the body it sends.
enum HopByHop {
    static let names: Set<HTTPField.Name> = [
        .connection, .transferEncoding, .te, .upgrade, .proxyAuthenticate, .proxyAuthorization, .contentLength,
        .trailer, HTTPField.Name("keep-alive")!,
    ]
}
