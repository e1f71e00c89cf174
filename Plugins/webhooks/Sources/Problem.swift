import Foundation
import PluginKit

/// An RFC 9457 problem answer, shaped as the host's own (`type`, `title`, `status`, `detail`,
/// and Market's `code` and `fix`).
struct Problem {
    let status: Int
    let code: String
    let detail: String
    let fix: String

    var response: HTTPResponse {
        let object: [String: Any] = ["type": "about:blank", "title": Self.titles[status] ?? "Error", "status": status,
                                     "detail": detail, "code": code, "fix": fix]
        let body = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return HTTPResponse(status: status, headers: ["content-type": "application/problem+json"], body: Array(body))
    }

    private static let titles = [400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
                                 413: "Content Too Large", 503: "Service Unavailable"]
}
