/// One cloud CRM as the benchmark drives it: its plugin, its loopback fake (Tests/Fixtures/<id>/
/// server.py) and what the fake records of the requests it served.
struct CloudCRMService: Sendable {
    let id: String
    /// The fake's command-line arguments.
    let fakeArguments: [String]
    /// What the host's connection store gives the plugin (a token, or Bitrix24's webhook path).
    let credential: String
    /// The tenant's settings, given the fake's root URL.
    let settings: @Sendable (String) -> String
    /// Where the fake lists the requests it served, and the member holding them (nil: the answer
    /// is the list).
    let requestLog: (path: String, member: String?)
    /// The status with which the service refuses a request over its limit.
    let refusal: Int
    /// The documented limit, as the benchmark prints it beside what the fake saw.
    let limit: String

    static let amocrm = CloudCRMService(
        id: "amocrm", fakeArguments: ["acme-long-lived-token"], credential: "acme-long-lived-token",
        settings: { #"{"subdomain":"acme","api_url":"\#($0)"}"# }, requestLog: ("/_fake/state", "requests"), refusal: 429,
        limit: "7 requests a second per account")

    static let bitrix24 = CloudCRMService(
        id: "bitrix24", fakeArguments: ["1", "wh7secret0bench4x2", "oauth0bench9token5", "app8token3b24bench"], credential: "1/wh7secret0bench4x2",
        settings: { #"{"portal_url":"\#($0)"}"# }, requestLog: ("/_fake/log", "requests"), refusal: 503,
        limit: "a leaky bucket of 50 that drains 2 requests a second")

    static let hubspot = CloudCRMService(
        id: "hubspot", fakeArguments: ["pat-na1-bench-0f1e2d3c4b5a", "client-secret-bench-9a8b7c"], credential: "pat-na1-bench-0f1e2d3c4b5a",
        settings: { #"{"api_url":"\#($0)"}"# }, requestLog: ("/_fake/requests", nil), refusal: 429,
        limit: "100 requests per 10 seconds, 5 searches a second")
}
