import Foundation
import HTTPTypes
import Hummingbird
import MarketCore

/// An RFC 9457 problem: the body of every error the server returns, as
/// `application/problem+json`, with the stable `code` clients switch on.
public struct Problem: Error, HTTPResponseError, Sendable {
    /// The media type of problem bodies.
    public static let mediaType = "application/problem+json"

    public let status: HTTPResponse.Status
    /// A stable name such as `PLUGIN_NOT_FOUND` (a `MarketError` code).
    public let code: MarketError.Code
    /// What went wrong, for people; never carries secrets, SQL or payloads.
    public let detail: String
    /// What to do about it; empty when there is nothing the client can do.
    public let fix: String
    /// Extra response headers, such as `Allow` on a 405.
    public var headers: HTTPFields
    /// One entry per invalid field (`CONFIG_INVALID`), each with a JSON Pointer into the
    /// request's document; empty for other problems.
    public var errors: [FieldError] = []
    /// RFC 9457 extension members a problem of one code carries beside the standard ones
    /// (`PERMISSIONS_CHANGED`: the permission change and the consent to send back); they
    /// never replace a standard member.
    public var extensions: [String: JSONValue] = [:]

    /// An invalid field: where it is and what is wrong, quoting the schema, never the value.
    public struct FieldError: Codable, Sendable, Equatable {
        /// A JSON Pointer (RFC 6901): `/temperature`; empty for the document as a whole.
        public let pointer: String
        public let message: String

        public init(pointer: String, message: String) {
            self.pointer = pointer
            self.message = message
        }
    }

    public init(_ code: MarketError.Code, _ detail: String, fix: String = "", status: HTTPResponse.Status? = nil,
                headers: HTTPFields = [:]) {
        self.code = code
        self.detail = detail
        self.fix = fix
        self.status = status ?? ProblemStatus.status(for: code)
        self.headers = headers
    }

    /// The problem a `MarketError` becomes: its code, message and fix, at the code's status.
    public init(_ error: MarketError) {
        self.init(error.code, error.message, fix: error.fix)
        errors = error.violations.map { FieldError(pointer: $0.path, message: $0.message) }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let requestID = (context as? MarketRequestContext)?.requestID
        return response(instance: request.uri.path, requestID: requestID)
    }

    /// The response, with `instance` (the request's path) and the request id in the body.
    func response(instance: String, requestID: String?) -> Response {
        let data = encodedBody(instance: instance, requestID: requestID)
        var fields = headers
        fields[.contentType] = Self.mediaType
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The JSON body alone, for answers written below the router (a refused connection).
    func encodedBody(instance: String, requestID: String?) -> Data {
        let body = Body(type: "about:blank", title: status.reasonPhrase, status: status.code, detail: detail,
                        instance: instance, code: code.rawValue, fix: fix.isEmpty ? nil : fix, requestID: requestID,
                        errors: errors.isEmpty ? nil : errors)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a struct of strings and an integer cannot fail.
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        guard !extensions.isEmpty, case .object(var members)? = try? JSONDecoder().decode(JSONValue.self, from: data) else { return data }
        members.merge(extensions) { standard, _ in standard }
        return (try? encoder.encode(JSONValue.object(members))) ?? data
    }

    /// The fields of RFC 9457 plus Market's own (`code`, `fix`, `request_id`, `errors`).
    struct Body: Codable {
        let type: String
        let title: String
        let status: Int
        let detail: String
        let instance: String
        let code: String
        let fix: String?
        let requestID: String?
        let errors: [FieldError]?

        enum CodingKeys: String, CodingKey {
            case type, title, status, detail, instance, code, fix, errors
            case requestID = "request_id"
        }
    }
}
