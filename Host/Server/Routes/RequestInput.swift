import Foundation
import Hummingbird
import MarketCore
import MarketStore

/// Reading what a request sends: JSON bodies, path parameters and query parameters, each
/// refused with a `BAD_REQUEST` problem that says what to send instead. Refused values are
/// never echoed: a body may hold a secret.
enum RequestInput {
    /// Bodies are small JSON documents; anything larger is refused before it is parsed.
    static let bodyLimit = 256 * 1024

    /// The body as a JSON object whose members are all in `allowed` (any member when nil).
    /// Without `required`, no body at all reads as `{}`.
    static func object(_ request: Request, context: MarketRequestContext, allowed: Set<String>?,
                       required: Bool = true) async throws -> [String: JSONValue] {
        var request = request
        let buffer = try await RequestBodyReader.collect(&request, upTo: bodyLimit, context: context)
        guard buffer.readableBytes > 0 else {
            guard required else { return [:] }
            throw Problem(.badRequest, "this endpoint needs a JSON object as its body", fix: "send one with Content-Type: application/json (see docs/openapi.yaml)")
        }
        // Decoding would turn invalid UTF-8 into U+FFFD: a stored value (a secret, say) would
        // differ from what was sent. Refuse it instead.
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw Problem(.badRequest, "the request body is not valid UTF-8", fix: "send JSON encoded as UTF-8 (RFC 8259)")
        }
        guard let value = try? JSONValue(parsing: text) else {
            throw Problem(.badRequest, "the request body is not valid JSON", fix: "send a JSON object with Content-Type: application/json")
        }
        guard case .object(let members) = value else {
            throw Problem(.badRequest, "the request body must be a JSON object", fix: "send a JSON object, e.g. {}")
        }
        // PostgreSQL cannot store U+0000 in text or jsonb: refuse it here rather than fail later.
        guard !containsNUL(value) else {
            throw Problem(.textUnstorable, "the request body holds the character U+0000, which cannot be stored",
                          fix: "remove \\u0000 from the body's names and strings")
        }
        guard let allowed else { return members }
        let unknown = members.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw Problem(.badRequest, "the request body has members this endpoint does not take: \(unknown.map { Self.shown($0) }.joined(separator: ", "))",
                          fix: "send only \(allowed.sorted().joined(separator: ", ")) (see docs/openapi.yaml)")
        }
        return members
    }

    /// A string member of a body of at most `maxLength` characters, or nil when it is absent.
    static func string(_ members: [String: JSONValue], _ name: String, maxLength: Int = .max) throws -> String? {
        switch members[name] {
        case nil: return nil
        case .string(let text)? where text.count <= maxLength: return text
        case .string?: throw Problem(.badRequest, "'\(name)' is longer than \(maxLength) characters", fix: "shorten it")
        default: throw Problem(.badRequest, "'\(name)' must be a string", fix: "send \"\(name)\": \"…\"")
        }
    }

    /// - Throws: `TENANT_ID_INVALID` unless `id` has the form of a tenant id.
    static func checkTenantID(_ id: String) throws {
        guard Tenant.isValidID(id) else {
            throw Problem(.tenantIDInvalid, "'\(shown(id))' is not a tenant id: use 1–64 of a–z 0–9 _ -, starting with a letter or digit",
                          fix: "list the tenants with GET /v1/tenants")
        }
    }

    /// A path parameter the router matched (so it is present).
    static func path(_ context: MarketRequestContext, _ name: String) -> String {
        context.parameters.get(name) ?? ""
    }

    /// A path parameter that must be a plugin id.
    static func pluginID(_ context: MarketRequestContext) throws -> String {
        let id = path(context, "plugin")
        guard PluginManifest.isIdentifier(id) else {
            throw Problem(.badRequest, "'\(shown(id))' is not a plugin id",
                          fix: "ids are 2–64 lower-case letters, digits or '-', starting with a letter, e.g. notes")
        }
        return id
    }

    /// An integer query parameter within `range`, or nil when absent.
    static func integer(_ request: Request, _ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let text = request.uri.queryParameters[name[...]].map(String.init) else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw Problem(.badRequest, "the query parameter \(name) must be an integer from \(range.lowerBound) to \(range.upperBound)",
                          fix: "e.g. ?\(name)=\(range.lowerBound)")
        }
        return value
    }

    /// A string query parameter, or nil when absent.
    static func query(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters[name[...]].map(String.init)
    }

    private static func containsNUL(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let text): text.utf8.contains(0)
        case .array(let items): items.contains(where: containsNUL)
        case .object(let members): members.contains { $0.key.utf8.contains(0) || containsNUL($0.value) }
        case .null, .bool, .integer, .number: false
        }
    }

    /// A value echoed back in an error: cut short, anything unprintable replaced.
    static func shown(_ text: String) -> String {
        let printable = text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : String($0) }.joined()
        return printable.count > 64 ? String(printable.prefix(64)) + "…" : printable
    }
}
