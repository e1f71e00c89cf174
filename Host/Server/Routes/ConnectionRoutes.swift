import Foundation
import HTTPTypes
import Hummingbird
import MarketCore
import MarketStore
import NIOCore
import PluginHosting
import PluginRuntime

/// Tenants' connections (docs/connections.md): `GET /v1/tenants/{tenant}/connections`, an
/// API key or token set with `PUT …/connections/{plugin}`, an OAuth2 sign-in started with
/// `POST …/connections/{plugin}/authorize`, `DELETE …/connections/{plugin}`; and
/// `GET /oauth/callback`, where providers send the browser back after consent.
struct ConnectionRoutes: RouteGroup {
    let connections: ConnectionStore
    let checks: ConnectionChecks?

    func register(on routes: RouteRegistrar) {
        let base = "/v1/tenants/{tenant}/connections"
        routes.get(base, access: .authenticated) { _, context in
            let (principal, tenant) = try Scope.tenant(context)
            let listed = try await connections.connections(tenant: tenant, by: principal)
            return try JSONResponse.make(JSONValue.object(["connections": .array(listed.map(\.json))]))
        }
        routes.on(.put, base + "/{plugin}", access: .authenticated) { request, context in
            let (principal, tenant) = try Scope.tenant(context)
            let body = try await RequestInput.object(request, context: context, allowed: ["kind", "value"])
            guard let kindName = try RequestInput.string(body, "kind"), let kind = TenantConnection.Kind(rawValue: kindName), kind != .oauth2,
                  let value = try RequestInput.string(body, "value", maxLength: ConnectionStore.maximumCredentialBytes) else {
                throw Problem(.badRequest, "'kind' (api_key or token) and 'value' are required",
                              fix: "send {\"kind\": \"token\", \"value\": \"…\"}; OAuth2 connections are made with POST …/authorize")
            }
            let stored = try await connections.setCredential(value, kind: kind, plugin: try RequestInput.pluginID(context), tenant: tenant, by: principal)
            return try JSONResponse.make(stored.json)
        }
        routes.on(.post, base + "/{plugin}/authorize", access: .authenticated) { request, context in
            let (principal, tenant) = try Scope.tenant(context)
            let body = try await RequestInput.object(request, context: context, allowed: ["redirect_base"])
            guard let redirectBase = try RequestInput.string(body, "redirect_base", maxLength: 500) else {
                throw Problem(.badRequest, "'redirect_base' is required", fix: "send {\"redirect_base\": \"https://market.example.com\"}, the address browsers reach this server at")
            }
            let redirectURI = ConnectionStore.redirectURI(base: redirectBase)
            let started = try await connections.beginAuthorization(plugin: try RequestInput.pluginID(context), tenant: tenant,
                                                                   redirectURI: redirectURI, by: principal)
            return try JSONResponse.make(JSONValue.object(["url": .string(started.url), "redirect_uri": .string(redirectURI),
                                                           "expires_at": .string(ISO8601DateFormatter().string(from: started.expiresAt))]))
        }
        routes.on(.post, base + "/{plugin}/test", access: .authenticated) { _, context in
            let (principal, tenant) = try Scope.tenant(context)
            let plugin = try RequestInput.pluginID(context)
            guard let checks else {
                throw MarketError(.pluginNotFound, "this server hosts no plugins", fix: "run the test on a server started with plugins")
            }
            return try JSONResponse.make(try await checks.test(plugin: plugin, tenant: tenant, by: principal).json)
        }
        routes.on(.delete, base + "/{plugin}", access: .authenticated) { _, context in
            let (principal, tenant) = try Scope.tenant(context)
            try await connections.remove(plugin: try RequestInput.pluginID(context), tenant: tenant, by: principal)
            return JSONResponse.noContent()
        }
        routes.get(ConnectionStore.callbackPath) { request, _ in
            await callback(request)
        }
    }

    /// A person's browser lands here: the answer is a page, not JSON.
    private func callback(_ request: Request) async -> Response {
        if let error = RequestInput.query(request, "error") {
            // RFC 6749 §4.1.2.1: the user declined, or the provider refused the request. The
            // sign-in stays unused and expires.
            let detail = RequestInput.query(request, "error_description").map { ": \($0)" } ?? ""
            return page(.unprocessableContent, "Not connected", "The provider did not grant access (\(error)\(detail)). Start the sign-in again to retry.")
        }
        guard let state = RequestInput.query(request, "state"), !state.isEmpty else {
            return page(.badRequest, "Not connected", "This address is where a provider sends you back after signing in; it needs the state the provider adds.")
        }
        guard let code = RequestInput.query(request, "code"), !code.isEmpty else {
            return page(.unprocessableContent, "Not connected", "The provider sent no authorization code. Start the sign-in again.")
        }
        do {
            let connection = try await connections.completeAuthorization(state: state, code: code)
            return page(.ok, "Connected", "Tenant \(connection.tenantID) is connected to \(connection.pluginID). You can close this page.")
        } catch let error as MarketError {
            return page(ProblemStatus.status(for: error.code), "Not connected", "\(error.message). \(error.fix)")
        } catch {
            return page(.internalServerError, "Not connected", "The sign-in could not be finished. Start it again.")
        }
    }

    private func page(_ status: HTTPResponse.Status, _ title: String, _ text: String) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>\(Self.escaped(title))</title></head>
            <body><h1>\(Self.escaped(title))</h1><p>\(Self.escaped(text))</p></body></html>

            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: Array(html.utf8))))
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
