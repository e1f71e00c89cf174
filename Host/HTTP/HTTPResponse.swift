import Foundation

/// What a transfer brought back.
public struct HTTPResponse: Sendable {
    /// The status of the last response (the redirect itself when redirects are refused).
    public let status: Int
    /// Header names in lower case, repeated headers joined with ", "; of the last response;
    /// empty unless the request `collectsHeaders`.
    public let headers: [String: String]
    /// The body; empty when the request had an `onBody`.
    public let body: Data
}
