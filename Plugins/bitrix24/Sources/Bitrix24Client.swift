import CRMKit
import Foundation
import PluginKit

/// Calls Bitrix24's REST API for one portal: each request paced by the portal's leaky bucket
/// (shared by every instance in the process that talks to the portal), authorised with the
/// connection's current credential, and its refusals turned into the contract's errors.
struct Bitrix24Client: Sendable {
    /// Bitrix24 answers a `batch` of at most this many commands.
    static let batchLimit = 50
    /// Bitrix24's leaky bucket (all plans but Enterprise): 50 requests at once, then 2 a second.
    static let perSecond = 2.0
    static let burst = 50
    /// How often a request refused with QUERY_LIMIT_EXCEEDED is tried again.
    static let rateLimitRetries = 3

    let host: PluginHost
    let portal: String
    let requests: CRMRequests

    init(host: PluginHost, portal: String) {
        self.host = host
        self.portal = portal
        requests = CRMRequests(host: host, service: "Bitrix24",
                               pacer: RequestPacer.shared(account: "bitrix24 \(portal)", perSecond: Self.perSecond, burst: Self.burst))
    }

    /// One method: the whole answer (`result`, and `next` / `total` for lists).
    func call(_ method: String, _ params: [String: BitrixValue], context: CallContext?) throws -> BitrixValue {
        try send(method, context: context) { auth in
            var members = params
            if let auth { members["auth"] = .string(auth) }
            return BitrixValue.object(members).json
        }
    }

    /// One command of a batch: `key` names its result, and later commands may use
    /// `$result[key][FIELD]` in their parameters.
    struct Command {
        let key: String
        let method: String
        let params: [(String, BitrixValue)]

        init(_ key: String, _ method: String, _ params: [(String, BitrixValue)] = []) {
            self.key = key
            self.method = method
            self.params = params
        }

        var text: String {
            let query = BitrixQuery.encode(params)
            return query.isEmpty ? method : method + "?" + query
        }
    }

    /// What a batch answered, by command key.
    struct BatchAnswer {
        let results: [String: BitrixValue]
        let errors: [String: Refusal]
        let totals: [String: BitrixValue]
        let nexts: [String: BitrixValue]

        /// The result of `key`, or the error of its refusal (or of its not having run).
        func result(_ key: String, method: String, client: Bitrix24Client) throws -> BitrixValue {
            if let result = results[key] { return result }
            if let refusal = errors[key] { throw client.failure(of: method, refusal) }
            throw PluginError(.upstream, "Bitrix24 did not run \(method) in the batch (an earlier command failed)")
        }

        func failed(_ key: String) -> Refusal? { errors[key] }
    }

    /// A command's refusal in Bitrix24's words.
    struct Refusal: Sendable {
        let code: String
        let description: String

        /// Bitrix24's "no such record" answers.
        var isNotFound: Bool {
            let words = description.lowercased()
            return code == "NOT_FOUND" || code == "OWNER_NOT_FOUND" || words.hasPrefix("not found") || words.contains("is not found")
                || words.contains("not found.")
        }

        var said: String {
            [code, description].filter { !$0.isEmpty }.joined(separator: ": ")
        }
    }

    /// Runs up to 50 commands in one request (one drop in the leaky bucket).
    func batch(_ commands: [Command], halt: Bool, context: CallContext?) throws -> BatchAnswer {
        guard commands.count <= Self.batchLimit else {
            throw PluginError(.internal, "a batch of \(commands.count) commands is over Bitrix24's limit of \(Self.batchLimit)")
        }
        // Written by hand: Bitrix24 runs the commands in the order of `cmd`'s members, and a
        // command may use an earlier one's `$result`, so the order must survive encoding.
        let cmd = commands.map { Self.quoted($0.key) + ":" + Self.quoted($0.text) }.joined(separator: ",")
        let answer = try send("batch", context: context) { auth in
            Array(("{\"halt\":\(halt ? 1 : 0),\"cmd\":{\(cmd)}" + (auth.map { ",\"auth\":" + Self.quoted($0) } ?? "") + "}").utf8)
        }
        let result = answer["result"] ?? .null
        var errors: [String: Refusal] = [:]
        for (key, error) in (result["result_error"] ?? .null).members {
            errors[key] = Refusal(code: error["error"]?.text ?? "", description: error["error_description"]?.text ?? "")
        }
        return BatchAnswer(results: (result["result"] ?? .null).members, errors: errors,
                           totals: (result["result_total"] ?? .null).members, nexts: (result["result_next"] ?? .null).members)
    }

    /// The error for a command Bitrix24 refused inside a batch (a 400 of its own).
    func failure(of method: String, _ refusal: Refusal) -> PluginError {
        if refusal.code == "QUERY_LIMIT_EXCEEDED" || refusal.code == "OVERLOAD_LIMIT" {
            return PluginError(.rateLimited, "Bitrix24 is rate limiting (\(refusal.said)); try again in 1000 ms", retryAfterMilliseconds: 1_000)
        }
        if ["expired_token", "NO_AUTH_FOUND", "INVALID_CREDENTIALS", "insufficient_scope", "ACCESS_DENIED", "user_access_error"].contains(refusal.code) {
            return requests.failure(HTTPResponse(status: 401), detail: refusal.said)
        }
        return PluginError(.upstream, "Bitrix24 refused \(method): \(refusal.said.isEmpty ? "no reason given" : String(refusal.said.prefix(500)))")
    }

    static func quoted(_ text: String) -> String {
        String(decoding: BitrixValue.string(text).json, as: UTF8.self)
    }

    /// Sends `method` with the body `body(auth)` makes, `auth` being the OAuth2 token (nil for a webhook).
    private func send(_ method: String, context: CallContext?, body makeBody: (String?) -> [UInt8]) throws -> BitrixValue {
        let credential = Bitrix24Credential(try host.accessToken())
        let (url, auth) = credential.endpoint(portal: portal, method: method)
        let body = makeBody(auth)
        var attempt = 0
        while true {
            attempt += 1
            let response: HTTPResponse
            do {
                response = try requests.send("POST", url, body: body, context: context)
            } catch let error as PluginError {
                // The host names the URL, which holds a webhook's secret.
                throw PluginError(error.status, Self.scrub(error.message, credential), retryAfterMilliseconds: error.retryAfterMilliseconds)
            }
            let answer = BitrixValue.parse(response.body)
            if response.status == 200, let answer, answer["result"] != nil { return answer }
            let refusal = Refusal(code: answer?["error"]?.text ?? "", description: answer?["error_description"]?.text ?? "")
            if response.status == 503 || refusal.code == "QUERY_LIMIT_EXCEEDED" || refusal.code == "OVERLOAD_LIMIT" {
                // QUERY_LIMIT_EXCEEDED: another client drained the bucket; wait for it to leak.
                // OVERLOAD_LIMIT is a block that only Bitrix24's support lifts: no retry helps.
                if refusal.code == "QUERY_LIMIT_EXCEEDED", attempt <= Self.rateLimitRetries {
                    requests.pacer.pause(milliseconds: 1_000)
                    continue
                }
                let fix = refusal.code == "OVERLOAD_LIMIT" ? "; Bitrix24's support lifts this block" : "; try again in 1000 ms"
                throw PluginError(.rateLimited, "Bitrix24 is rate limiting (HTTP \(response.status): \(refusal.said))\(fix)",
                                  retryAfterMilliseconds: 1_000)
            }
            if response.status == 200 {
                throw PluginError(.upstream, "Bitrix24 answered \(method) in a shape this plugin does not know: \(String(decoding: response.body.prefix(200), as: UTF8.self))")
            }
            if refusal.code == "expired_token" || [401, 403, 429].contains(response.status) {
                throw requests.failure(response, detail: refusal.said)
            }
            throw failure(of: method, refusal.code.isEmpty && refusal.description.isEmpty
                          ? Refusal(code: "HTTP \(response.status)", description: String(decoding: response.body.prefix(200), as: UTF8.self)) : refusal)
        }
    }

    static func scrub(_ message: String, _ credential: Bitrix24Credential) -> String {
        let secret = credential.secret
        return secret.isEmpty ? message : message.replacingOccurrences(of: secret, with: "…")
    }
}
