import HTTPTypes
import MarketCore
import MarketStore
import PluginRuntime

/// The one place that decides which HTTP status a `MarketError` code answers with.
///
/// Codes not listed are server-side failures (500): a new code is an internal error until it
/// is given a status here.
public enum ProblemStatus {
    static let statuses: [MarketError.Code: HTTPResponse.Status] = [
        .routeNotFound: .notFound,
        .pluginNotFound: .notFound,
        .methodNotAllowed: .methodNotAllowed,
        .badRequest: .badRequest,
        .invalidArgument: .badRequest,
        .manifestInvalid: .badRequest,
        .versionInvalid: .badRequest,
        .unauthenticated: .unauthorized,
        .accessDenied: .forbidden,
        .tenantNotFound: .notFound,
        .tokenNotFound: .notFound,
        .secretNotFound: .notFound,
        .tenantExists: .conflict,
        .tenantIDInvalid: .badRequest,
        .configInvalid: .unprocessableContent,
        .secretInvalid: .unprocessableContent,
        .secretNotAllowed: .unprocessableContent,
        .textUnstorable: .unprocessableContent,
        .migrationPending: .serviceUnavailable,
        .databaseUnavailable: .serviceUnavailable,
        .timeout: .gatewayTimeout,
        .cancelled: .serviceUnavailable,
        .instanceClosed: .serviceUnavailable,
        .internalError: .internalServerError,
        .eventInvalid: .unprocessableContent,
        .eventNotFound: .notFound,
        .eventIDTaken: .conflict,
        .requestIncomplete: .badRequest,
        .serverBusy: .serviceUnavailable,
    ]

    /// The status for `code`; 500 for codes without one.
    public static func status(for code: MarketError.Code) -> HTTPResponse.Status {
        statuses[code] ?? .internalServerError
    }

    /// The code a bare HTTP status stands for, when the router or the framework raised it.
    static func code(for status: HTTPResponse.Status) -> MarketError.Code {
        switch status.code {
        case 401: .unauthenticated
        case 403: .accessDenied
        case 404: .routeNotFound
        case 405: .methodNotAllowed
        case 400..<500: .badRequest
        case 503: .databaseUnavailable
        default: .internalError
        }
    }
}
