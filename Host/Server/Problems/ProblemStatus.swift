import HTTPTypes
import MarketCore
import MarketRegistry
import MarketStore
import PluginHosting
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
        .analyticsQueryInvalid: .badRequest,
        .analyticsRangeInvalid: .unprocessableContent,
        .requestIncomplete: .badRequest,
        .bodyTooLarge: .contentTooLarge,
        .serverBusy: .serviceUnavailable,
        // Webhook endpoints (delivery targets of the plugin webhooks).
        .webhookEndpointNotFound: .notFound,
        .webhookEndpointInvalid: .unprocessableContent,
        .webhooksNotInstalled: .conflict,
        .webhookDeliveryInvalid: .badRequest,
        .deliveryNotFound: .notFound,
        .targetNotFound: .notFound,
        .targetInvalid: .unprocessableContent,
        .targetPluginUnavailable: .conflict,
        // Connections and their OAuth2 sign-ins.
        .connectionNotFound: .notFound,
        .connectionInvalid: .unprocessableContent,
        .authorizationUnknown: .notFound,
        // A plugin asked for what it does not offer (a connection test of a plugin without one).
        .capabilityMissing: .conflict,
        .connectionRefused: .badGateway,
        .connectionUnavailable: .badGateway,
        // Inbound hooks.
        .hookNotFound: .notFound,
        .hookNotSupported: .conflict,
        .hookBodyTooLarge: .contentTooLarge,
        // The admin API's changes of the desired plugin state.
        .pluginIDInvalid: .badRequest,
        .pluginUnknown: .notFound,
        .notInstalled: .notFound,
        .noFittingVersion: .unprocessableContent,
        .abiIncompatible: .unprocessableContent,
        .noPlatform: .unprocessableContent,
        .dependencyConflict: .unprocessableContent,
        .registryNotConfigured: .conflict,
        .noEarlierVersion: .conflict,
        .permissionsChanged: .conflict,
        .pluginChangeConflict: .conflict,
        // The registry, not the request, is at fault: it cannot be reached or read, or what it
        // serves does not verify.
        .fetchFailed: .badGateway,
        .registryInvalid: .badGateway,
        .signatureInvalid: .badGateway,
        .keyUntrusted: .badGateway,
        .metadataExpired: .badGateway,
        .rollback: .badGateway,
        .hashMismatch: .badGateway,
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
