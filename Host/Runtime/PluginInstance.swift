import Foundation
import MarketCore
import MarketPluginAPI
import PluginKit

/// One plugin instance for one tenant installation, with the host's guarantees around it:
/// calls run on the instance's threads, serial plugins are never entered twice, every result
/// is size-capped and checked to be JSON, and a failing plugin yields a named error.
public final class PluginInstance: @unchecked Sendable {
    // @unchecked: `handle` and the tables are immutable after creation and belong to the
    // plugin's ABI contract; `gate` serialises entry where the plugin asks for it.
    public let library: PluginLibrary
    public let tenantID: String
    public let limits: CallLimits
    let context: InstanceContext
    let handle: UnsafeMutableRawPointer?
    let executor: PluginExecutor
    let ownsExecutor: Bool
    let gate: CallGate
    let toolsTable: UnsafePointer<mk_tools_v1_t>?
    let eventsTable: UnsafePointer<mk_events_v1_t>?
    let modelTable: UnsafePointer<mk_model_v1_t>?
    let ingressTable: UnsafePointer<mk_ingress_v1_t>?
    let targetsTable: UnsafePointer<mk_targets_v1_t>?
    /// `market.event-batches/1` (ABI 1.2), offered beside `market.events/1` by sinks.
    let eventBatchesTable: UnsafePointer<mk_event_batches_v1_t>?
    /// `market.connection-test/1` (ABI 1.5).
    let connectionTestTable: UnsafePointer<mk_connection_test_v1_t>?
    /// The tools' input schemas, for checking arguments before a call.
    let argumentSchemas = ToolArgumentSchemas()

    init(library: PluginLibrary, tenantID: String, limits: CallLimits, context: InstanceContext, handle: UnsafeMutableRawPointer?,
         executor: PluginExecutor, ownsExecutor: Bool) throws {
        self.library = library
        self.tenantID = tenantID
        self.limits = limits
        self.context = context
        self.handle = handle
        self.executor = executor
        self.ownsExecutor = ownsExecutor
        gate = CallGate(serial: !library.isConcurrent)
        let tables = try Self.capabilityTables(library)
        toolsTable = tables.tools
        eventsTable = tables.events
        modelTable = tables.model
        ingressTable = tables.ingress
        targetsTable = tables.targets
        eventBatchesTable = tables.events == nil ? nil : tables.eventBatches
        connectionTestTable = tables.connectionTest
    }

    typealias CapabilityTables = (tools: UnsafePointer<mk_tools_v1_t>?, events: UnsafePointer<mk_events_v1_t>?,
                                  model: UnsafePointer<mk_model_v1_t>?, ingress: UnsafePointer<mk_ingress_v1_t>?,
                                  targets: UnsafePointer<mk_targets_v1_t>?, eventBatches: UnsafePointer<mk_event_batches_v1_t>?,
                                  connectionTest: UnsafePointer<mk_connection_test_v1_t>?)

    /// Looks up and size-checks the capability tables; called before any instance exists.
    static func capabilityTables(_ library: PluginLibrary) throws -> CapabilityTables {
        (try table(library, MK_TOOLS_V1, mk_tools_v1_t.self), try table(library, MK_EVENTS_V1, mk_events_v1_t.self),
         try table(library, MK_MODEL_V1, mk_model_v1_t.self), try table(library, MK_INGRESS_V1, mk_ingress_v1_t.self),
         try table(library, MK_TARGETS_V1, mk_targets_v1_t.self), try table(library, MK_EVENT_BATCHES_V1, mk_event_batches_v1_t.self),
         try table(library, MK_CONNECTION_TEST_V1, mk_connection_test_v1_t.self))
    }

    private static func table<Table>(_ library: PluginLibrary, _ id: String, _: Table.Type) throws -> UnsafePointer<Table>? {
        guard let raw = library.capability(id) else { return nil }
        let size = raw.load(as: UInt32.self)
        guard size >= MemoryLayout<Table>.size else {
            throw MarketError(.abiIncompatible, "\(library.id): its \(id) table is \(size) bytes, smaller than ABI v1's \(MemoryLayout<Table>.size)",
                              fix: "rebuild the plugin against the current headers")
        }
        return raw.assumingMemoryBound(to: Table.self)
    }

    public var pluginID: String { library.id }

    /// Runs `body` as a call into the plugin: one at a time for a serial instance, never after
    /// `close`, and never once the call's token is cancelled or past its deadline.
    func entered<Result>(_ token: CallToken, _ body: () throws -> Result) throws -> Result {
        guard !token.isCancelled, !token.isPastDeadline else {
            throw token.isPastDeadline ? MarketError(.timeout, "\(pluginID): the call's deadline passed before it started")
                : MarketError(.cancelled, "\(pluginID): the call was cancelled before it started")
        }
        guard let result = try gate.pass(body) else {
            throw MarketError(.instanceClosed, "\(pluginID) for tenant \(tenantID) has been shut down", fix: "create a new instance")
        }
        return result
    }

    /// Turns a plugin's failure status into a named error carrying the plugin's message. A
    /// plugin that stopped because it saw its call cancelled is reported by why: deadline or
    /// cancellation.
    func failure(_ status: mk_status_t, _ message: SinkBuffer, _ what: String, token: CallToken) -> MarketError {
        let kind = Status(code: status)
        let text = String(message.string.prefix(2_000))
        let failure = PluginCallFailure(status: status, statusName: kind.description, message: text)
        if kind == .timeout || (kind == .cancelled && token.isPastDeadline) {
            return MarketError(.timeout, "\(what) ran past its deadline", fix: "raise the timeout, or make the call do less", underlying: failure)
        }
        switch kind {
        case .cancelled: return MarketError(.cancelled, "\(what) was cancelled", underlying: failure)
        default:
            return MarketError(.pluginFailed, "\(what) failed with \(kind)\(text.isEmpty ? "" : ": \(text)")", underlying: failure)
        }
    }

    /// Checks a result buffer: within its cap and one valid JSON value.
    func checkedJSON(_ buffer: SinkBuffer, _ what: String) throws -> String {
        guard !buffer.overflowed else {
            throw MarketError(.resultTooLarge, "\(what) returned more than \(buffer.limit) bytes", fix: "return a smaller result, or page through it")
        }
        let valid = buffer.bytes.withUnsafeBytes { JSONSyntax.isValid($0) }
        guard valid else {
            throw MarketError(.invalidResult, "\(what) returned something that is not valid JSON", fix: "write exactly one JSON value to the result sink")
        }
        return buffer.string
    }
}

/// Size caps and the default deadline for calls into an instance.
public struct CallLimits: Sendable {
    public var maximumResultBytes = 1 << 20
    public var maximumErrorBytes = 16 << 10
    public var defaultTimeout: Duration? = .seconds(30)

    public init() {}
}

/// Wraps a value that is safe to send for a reason the compiler cannot see; each use says why.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
