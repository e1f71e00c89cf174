import Foundation

/// A Market plugin written in Swift. Conform a final class to `Plugin` and to the capability
/// protocols it offers (`ToolPlugin`, `EventPlugin`, `EventBatchPlugin`, `ModelPlugin`,
/// `IngressPlugin`, `TargetPlugin`), then
/// export it with one line:
///
///     @_cdecl("mk_plugin_entry_v1")
///     public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(MyPlugin.self, hostABI: abi) }
///
/// One instance is created per tenant installation. Thrown errors cross the ABI as a status
/// and a message; never trap (force-unwrap, `fatalError`, overflow) inside a call, since a
/// trap takes the whole host down.
public protocol Plugin: AnyObject {
    /// Must equal the manifest's `id`.
    static var id: String { get }
    /// Must equal the manifest's `version`.
    static var version: String { get }
    /// `.serial` (the default) means calls into one instance never overlap.
    static var concurrency: PluginConcurrency { get }

    /// Creates an instance with the tenant's configuration, a JSON object whose values the
    /// plugin checks (`PluginConfig.decode` reports a mismatch as `.invalidArgument`).
    init(host: PluginHost, config: PluginConfig) throws
}

extension Plugin {
    public static var concurrency: PluginConcurrency { .serial }
}

public enum PluginConcurrency: Sendable {
    case serial
    case concurrent
}

/// The configuration object an instance was created with.
public struct PluginConfig: Sendable {
    /// The raw JSON object.
    public let json: [UInt8]

    /// Decodes the configuration into `type`.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(json.isEmpty ? Array("{}".utf8) : json))
        } catch {
            throw PluginError(.invalidArgument, "the configuration does not fit: \(error)")
        }
    }
}

/// Offers tools (`market.tools/1`).
public protocol ToolPlugin: Plugin {
    /// The instance's tools; read once, when the instance is created.
    var tools: [Tool] { get }
}

/// One tool as a listing, for plugins whose tools are only known at run time.
public struct ToolListing: Sendable {
    public let name: String
    public let description: String
    /// A JSON Schema object, as text.
    public let inputSchema: String

    public init(name: String, description: String, inputSchema: String) {
        self.name = name
        self.description = description
        self.inputSchema = inputSchema
    }
}

/// Offers tools (`market.tools/1`) that are only known at run time, such as a bridge's: the
/// list is asked for on every `list`, and calls take and return raw JSON.
public protocol DynamicToolPlugin: Plugin {
    func listTools() throws -> [ToolListing]
    /// Runs `name` with `arguments` (a JSON object) and returns one JSON value.
    func callTool(named name: String, arguments: [UInt8], context: CallContext) throws -> [UInt8]
}

/// Receives events (`market.events/1`) whose types the manifest subscribes to.
public protocol EventPlugin: Plugin {
    func handle(event: Event, context: CallContext) throws -> EventOutcome
}

/// Receives the due events of an installation in one call (`market.event-batches/1`, ABI 1.2),
/// so a sink can forward many in one request. Offered beside `market.events/1`: a host before
/// 1.2, or a single due event, still comes through `handle(event:context:)`, which by default
/// calls `handle(events:context:)` with that one event.
public protocol EventBatchPlugin: EventPlugin {
    /// Handles `events` (in publication order) and answers one outcome per event, in order.
    /// A thrown error retries every event of the call, with the error's message as the reason.
    func handle(events: [Event], context: CallContext) throws -> [EventBatchOutcome]
}

extension EventBatchPlugin {
    /// One event as a batch of one: a retry or rejection crosses as its status and reason.
    public func handle(event: Event, context: CallContext) throws -> EventOutcome {
        switch try handle(events: [event], context: context).first {
        case .acknowledged?: return .acknowledged
        case .retry(let why)?: throw PluginError(.retryLater, why)
        case .rejected(let why)?: throw PluginError(.rejected, why)
        case nil: throw PluginError(.internal, "handle(events:) answered no outcome for one event")
        }
    }
}

/// Checks the tenant's connection step by step (`market.connection-test/1`, ABI 1.5): its
/// settings, its credentials (`host.accessToken()`), one harmless request. Answer the steps in
/// the order run, stopping at the first that fails, with the service's own words; a failed step
/// is a result, not an error (throw only when no report can be made).
public protocol ConnectionTestPlugin: Plugin {
    func testConnection(context: CallContext) throws -> [ConnectionTestStep]
}

/// Serves chat completions (`market.model/1`) in the OpenAI shapes of market/model.h.
public protocol ModelPlugin: Plugin {
    /// Completes `request` (JSON). Streams deltas through `stream` when it is not `nil`;
    /// returns the final result JSON.
    func complete(request: [UInt8], context: CallContext, stream: DeltaStream?) throws -> [UInt8]
}

/// Handles inbound HTTP requests to the plugin's hook (`market.ingress/1`).
public protocol IngressPlugin: Plugin {
    func handle(request: HTTPRequest, context: CallContext) throws -> HTTPResponse
}

/// Delivers events to targets the host stores, such as a tenant's webhook endpoints
/// (`market.targets/1`, ABI 1.1: the manifest needs the "targets" kind and "abi": "^1.1").
/// The host keeps each target's queue, retries and pauses; the plugin keeps no state of its own.
public protocol TargetPlugin: Plugin {
    /// Checks the operator's settings and makes or rotates secrets; a bad value is a thrown
    /// `.invalidArgument` whose message names the field and the fix.
    func prepareTarget(request: TargetRequest, context: CallContext) throws -> PreparedTarget
    /// Delivers `event` to `target` once and says what became of it. A thrown error counts as
    /// a `.retry` carrying the error's message; a thrown `.rejected` (a malformed event) as `.failed`.
    func deliver(event: Event, target: TargetDelivery, context: CallContext) throws -> DeliveryOutcome
}
