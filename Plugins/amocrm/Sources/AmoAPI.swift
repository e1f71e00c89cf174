import CRMKit
import Foundation
import PluginKit

/// Requests to one amoCRM account's API v4: the tenant's token from the host on every request,
/// 7 requests a second per account (amoCRM's limit; paced at 6, and at most 6 in flight or
/// ended within the last second, so that a request delayed on the way cannot make 8 arrive in
/// one second), and amoCRM's answers read as it documents them:
/// 204 with no body for "nothing found", problem+json (`title`, `detail`, `validation-errors`)
/// for failures.
struct AmoAPI {
    static let requestsPerSecond = 6.0

    let requests: CRMRequests
    let root: String

    init(host: PluginHost, settings: AmoSettings) {
        root = settings.root
        requests = CRMRequests(host: host, service: "amoCRM",
                               pacer: RequestPacer.shared(account: "amocrm \(settings.root)", perSecond: Self.requestsPerSecond,
                                                          window: Int(Self.requestsPerSecond)))
    }

    /// The response of `method path` (path from `/api/v4/…`) when its status is 2xx; 204 is
    /// nil. Anything else throws the contract's error with amoCRM's own words.
    func call(_ method: String, _ path: String, body: [UInt8] = [], context: CallContext?) throws -> HTTPResponse? {
        let token = try requests.host.accessToken()
        let response = try requests.send(method, root + path, headers: [(name: "Authorization", value: "Bearer \(token)")], body: body, context: context)
        if response.status == 204 { return nil }
        guard (200..<300).contains(response.status) else {
            if response.status == 400 { throw PluginError(.invalidArgument, "amoCRM refused the request: \(Self.problem(response))") }
            throw requests.failure(response, detail: Self.problem(response))
        }
        return response
    }

    /// Decodes a 2xx body as `T`; nil when amoCRM answered 204.
    func get<T: Decodable>(_ type: T.Type, _ path: String, context: CallContext?) throws -> T? {
        guard let response = try call("GET", path, context: context) else { return nil }
        return try requests.decode(type, response, what: "GET \(path.prefix(60))")
    }

    /// The contacts of the list at `path` (the first array in `_embedded`); none when amoCRM
    /// answered 204. Read by hand (`AmoContact(view:)`), not through Codable.
    func contacts(_ path: String, context: CallContext?) throws -> [AmoContact] {
        guard let response = try call("GET", path, context: context) else { return [] }
        let view = try requests.view(response, what: "GET \(path.prefix(60))")
        guard let embedded = view["_embedded"], embedded.isObject else { throw requests.unexpected(response, what: "GET \(path.prefix(60))") }
        guard let first = embedded.keys.first, let items = embedded[first] else { return [] }
        let contacts = items.elements.compactMap(AmoContact.init(view:))
        guard items.isArray, contacts.count == items.elements.count else { throw requests.unexpected(response, what: "GET \(path.prefix(60))") }
        return contacts
    }

    /// The contact at `path`; nil when amoCRM answered 204 (no such contact).
    func contact(_ path: String, context: CallContext?) throws -> AmoContact? {
        guard let response = try call("GET", path, context: context) else { return nil }
        guard let contact = AmoContact(view: try requests.view(response, what: "GET \(path.prefix(60))")) else {
            throw requests.unexpected(response, what: "GET \(path.prefix(60))")
        }
        return contact
    }

    /// Sends `body` as JSON and decodes the answer as `T`.
    func send<T: Decodable>(_ method: String, _ path: String, _ body: some Encodable, as type: T.Type, context: CallContext?) throws -> T {
        guard let response = try call(method, path, body: try CRMRequests.json(body), context: context) else {
            throw PluginError(.upstream, "amoCRM answered \(method) \(path.prefix(60)) with no content")
        }
        return try requests.decode(type, response, what: "\(method) \(path.prefix(60))")
    }

    /// amoCRM's problem+json in one line: the detail, then each validation error's path and detail.
    static func problem(_ response: HTTPResponse) -> String {
        guard let problem = try? JSONDecoder().decode(AmoProblem.self, from: Data(response.body)) else {
            return String(decoding: response.body.prefix(300), as: UTF8.self)
        }
        var parts = [problem.detail ?? problem.title ?? "HTTP \(response.status)"]
        for group in problem.validationErrors ?? [] {
            for error in group.errors ?? [] {
                parts.append("\(error.path ?? "?"): \(error.detail ?? error.code ?? "invalid")")
            }
        }
        return parts.joined(separator: "; ")
    }
}

/// amoCRM's error body (RFC 7807 with amoCRM's `validation-errors`).
struct AmoProblem: Decodable {
    struct Group: Decodable {
        let request_id: String?
        let errors: [Item]?
    }

    struct Item: Decodable {
        let code: String?
        let path: String?
        let detail: String?
    }

    let title: String?
    let detail: String?
    let validationErrors: [Group]?

    enum CodingKeys: String, CodingKey {
        case title, detail
        case validationErrors = "validation-errors"
    }
}
