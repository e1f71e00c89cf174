import CRMKit
import Crypto
import Foundation
import PluginKit

/// Requests to the tenant's HubSpot account. Every request carries the connection's current
/// token (asked of the host each time, never kept), waits for its slot under the account's
/// burst limit (and, for searches, under the search limit of 5 a second), is refused at once
/// while the account's daily limit is used up, and has HubSpot's error turned into the
/// contract's (docs/crm.md) with HubSpot's own words.
///
/// The account is found once per instance (`GET /account-info/v3/details`): its portal id keys
/// the pacers shared by every instance of the process that talks to that portal, and its time
/// zone says when the daily limit resets.
final class HubSpotClient: @unchecked Sendable {
    // @unchecked: `known` is only touched under `lock`; identification runs under `identifying`.
    static let service = "HubSpot"
    /// HubSpot allows 5 searches a second per account; 4 keeps a rolling second under 5 even
    /// when the network delays one request and not the next.
    static let searchesPerSecond = 4.0

    struct Account: Sendable {
        /// Names the account in the shared pacers: "hubspot <root> portal <id>".
        let key: String
        let portalID: Int64?
        let timeZone: String?
        /// Paced by the burst limit.
        let requests: CRMRequests
        let pacer: RequestPacer
        /// Paced by the search limit; a search first waits for its turn under the burst limit,
        /// then for its search slot, so searches leave evenly spaced, not bunched behind others.
        let searchRequests: CRMRequests
        let quota: DailyQuota
    }

    let host: PluginHost
    let settings: HubSpotSettings
    private let lock = NSLock()
    private let identifying = NSLock()
    private var known: Account?

    init(host: PluginHost, settings: HubSpotSettings) {
        self.host = host
        self.settings = settings
    }

    /// 90% of the burst limit spread evenly, with a burst of a twentieth of it: at most 95 of
    /// 100 requests in any 10 seconds, so jitter on the way cannot push HubSpot over.
    var requestsPerSecond: Double { Double(settings.requestsPer10Seconds) * 0.9 / 10 }
    var burst: Int { max(1, settings.requestsPer10Seconds / 20) }

    /// The response of `method path` (`path` from `/crm/…`) when its status is 2xx; anything
    /// else throws the contract's error. A 429 of the burst or search limit is tried twice more
    /// after the pause it causes; one of the daily limit marks the account exhausted.
    func call(_ method: String, _ path: String, body: [UInt8] = [], search: Bool = false, context: CallContext?) throws -> HTTPResponse {
        let account = try account(context: context)
        var attempts = 0
        while true {
            try account.quota.check()
            let token = try host.accessToken()
            let headers = [(name: "Authorization", value: "Bearer \(token)")]
            let response: HTTPResponse
            if search {
                try account.pacer.waitForSlot(context: context)
                response = try account.searchRequests.send(method, settings.root + path, headers: headers, body: body, context: context)
            } else {
                response = try account.requests.send(method, settings.root + path, headers: headers, body: body, context: context)
            }
            account.quota.observe(response, timeZone: account.timeZone)
            if (200..<300).contains(response.status) { return response }
            let error = HubSpotErrorBody(response)
            if response.status == 429 {
                if error.policyName == "DAILY" {
                    account.quota.exhaust(timeZone: account.timeZone)
                    try account.quota.check()
                }
                attempts += 1
                if attempts <= 2 { continue }
            }
            throw failure(response, error, token: token, requests: account.requests)
        }
    }

    /// Sends `body` as JSON and decodes the 2xx answer as `T`.
    func send<T: Decodable>(_ type: T.Type, _ method: String, _ path: String, _ body: some Encodable, search: Bool = false,
                            context: CallContext?) throws -> T {
        let response = try call(method, path, body: try CRMRequests.json(body), search: search, context: context)
        return try decode(type, response, what: "\(method) \(path.prefix(60))")
    }

    func get<T: Decodable>(_ type: T.Type, _ path: String, context: CallContext?) throws -> T {
        try decode(type, try call("GET", path, context: context), what: "GET \(path.prefix(60))")
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch {
            throw PluginError(.upstream, "HubSpot answered \(what) in a shape this plugin does not know (HTTP \(response.status)): "
                              + String(decoding: response.body.prefix(200), as: UTF8.self))
        }
    }

    /// The contract's error for a HubSpot answer that is not 2xx.
    func failure(_ response: HTTPResponse, _ error: HubSpotErrorBody, token: String?, requests: CRMRequests) -> PluginError {
        let detail = error.detail(hiding: token)
        switch response.status {
        case 400, 409, 422:
            return PluginError(.invalidArgument, "HubSpot refused the request (HTTP \(response.status)): \(detail)")
        case 404:
            return PluginError(.notFound, "HubSpot found nothing there (HTTP 404): \(detail)")
        case 429:
            let policy = error.policyName.map { " \($0)" } ?? ""
            return PluginError(.rateLimited, "HubSpot is rate limiting the account (HTTP 429\(policy): \(detail)); try again in a few seconds",
                               retryAfterMilliseconds: 2_000)
        default:
            return requests.failure(response, detail: detail)
        }
    }

    /// The account, found on first use.
    func account(context: CallContext?) throws -> Account {
        if let account = current { return account }
        identifying.lock()
        defer { identifying.unlock() }
        if let account = current { return account }
        let found = try identify(context: context)
        lock.lock()
        known = found
        lock.unlock()
        return found
    }

    private var current: Account? {
        lock.lock()
        defer { lock.unlock() }
        return known
    }

    /// One request to learn the portal id and time zone. A token without access to the account
    /// details (HTTP 403) still works: the pacers are then keyed by a digest of the token, and
    /// the daily limit's reset is "tomorrow".
    private func identify(context: CallContext?) throws -> Account {
        let token = try host.accessToken()
        let bootstrap = CRMRequests(host: host, service: Self.service,
                                    pacer: RequestPacer.shared(account: "hubspot \(settings.root)", perSecond: requestsPerSecond, burst: 1))
        let response = try bootstrap.send("GET", settings.root + "/account-info/v3/details", headers: [(name: "Authorization", value: "Bearer \(token)")],
                                          context: context)
        if (200..<300).contains(response.status) {
            let details = try decode(AccountDetails.self, response, what: "GET /account-info/v3/details")
            return make(key: "hubspot \(settings.root) portal \(details.portalId)", portal: details.portalId, timeZone: details.timeZone)
        }
        guard response.status == 403 || response.status == 404 else {
            throw failure(response, HubSpotErrorBody(response), token: token, requests: bootstrap)
        }
        let digest = SHA256.hash(data: Data(token.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
        return make(key: "hubspot \(settings.root) token \(digest)", portal: nil, timeZone: nil)
    }

    private func make(key: String, portal: Int64?, timeZone: String?) -> Account {
        let pacer = RequestPacer.shared(account: key, perSecond: requestsPerSecond, burst: burst)
        // At most 4 searches in flight or within the last second: 5 at HubSpot however late one arrives.
        let searchPacer = RequestPacer.shared(account: key + " search", perSecond: Self.searchesPerSecond, burst: 1, window: Int(Self.searchesPerSecond))
        return Account(key: key, portalID: portal, timeZone: timeZone,
                       requests: CRMRequests(host: host, service: Self.service, pacer: pacer), pacer: pacer,
                       searchRequests: CRMRequests(host: host, service: Self.service, pacer: searchPacer),
                       quota: DailyQuota.shared(account: key))
    }
}
