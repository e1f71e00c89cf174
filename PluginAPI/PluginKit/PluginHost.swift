import Foundation
import MarketPluginAPI

/// The host's services, as a plugin instance sees them. Each is `nil` when the host does not
/// offer it; every function is safe to call from any thread.
public struct PluginHost: @unchecked Sendable {
    // @unchecked: the pointers are static tables the host keeps alive for the instance's life,
    // and the ABI makes every service function thread-safe.
    public let raw: UnsafePointer<mk_host_t>
    let logTable: UnsafePointer<mk_log_v1_t>?
    let kvTable: UnsafePointer<mk_kv_v1_t>?
    let httpTable: UnsafePointer<mk_http_v1_t>?
    let eventsTable: UnsafePointer<mk_host_events_v1_t>?
    let secretsTable: UnsafePointer<mk_secrets_v1_t>?
    let metricsTable: UnsafePointer<mk_metrics_v1_t>?
    let processTable: UnsafePointer<mk_process_v1_t>?
    /// nil before ABI 1.3, and on a host without a document store.
    let documentsTable: UnsafePointer<mk_documents_v1_t>?
    /// nil before ABI 1.4, and on a host without connections.
    let connectionsTable: UnsafePointer<mk_connections_v1_t>?
    /// nil before ABI 1.6.
    let clusterTable: UnsafePointer<mk_cluster_v1_t>?

    init(_ raw: UnsafePointer<mk_host_t>) {
        self.raw = raw
        func lookup<Table>(_ id: String, _: Table.Type) -> UnsafePointer<Table>? {
            raw.pointee.get_service?(raw, id)?.assumingMemoryBound(to: Table.self)
        }
        logTable = lookup(MK_LOG_V1, mk_log_v1_t.self)
        kvTable = lookup(MK_KV_V1, mk_kv_v1_t.self)
        httpTable = lookup(MK_HTTP_V1, mk_http_v1_t.self)
        eventsTable = lookup(MK_EVENTS_V1, mk_host_events_v1_t.self)
        secretsTable = lookup(MK_SECRETS_V1, mk_secrets_v1_t.self)
        metricsTable = lookup(MK_METRICS_V1, mk_metrics_v1_t.self)
        processTable = lookup(MK_PROCESS_V1, mk_process_v1_t.self)
        documentsTable = lookup(MK_DOCUMENTS_V1, mk_documents_v1_t.self)
        connectionsTable = lookup(MK_CONNECTIONS_V1, mk_connections_v1_t.self)
        clusterTable = lookup(MK_CLUSTER_V1, mk_cluster_v1_t.self)
    }

    /// How many replicas of the host serve the deployment now, this one included
    /// (`market.cluster/1`, ABI 1.6): divide an outside service's per-account rate limit by it to
    /// keep the whole deployment under the limit. 1 on a host that is no replica or predates 1.6.
    public var replicas: Int {
        guard let replicas = clusterTable?.pointee.replicas else { return 1 }
        return max(1, Int(replicas(raw)))
    }

    public enum LogLevel: Int32, Sendable {
        case trace = 0, debug, info, warning, error
    }

    /// Logs through the host's logger, tagged with this plugin and tenant.
    public func log(_ level: LogLevel, _ message: String, fields: [String: String] = [:]) {
        guard let log = logTable?.pointee.log else { return }
        let fieldsJSON = fields.isEmpty ? "" : (try? String(decoding: JSONEncoder().encode(fields), as: UTF8.self)) ?? ""
        withBorrowedString(message) { message in
            withBorrowedString(fieldsJSON) { fields in log(raw, level.rawValue, message, fields) }
        }
    }

    /// Reads `key` from this instance's key-value namespace; `nil` when absent.
    public func kvGet(_ key: String) throws -> [UInt8]? {
        guard let get = kvTable?.pointee.get else { throw PluginError(.unsupported, "the host offers no key-value store") }
        let value = SinkBuffer()
        let status = Status(code: withBorrowedString(key) { key in value.withSink { get(raw, key, $0) } })
        if status == .notFound { return nil }
        try check(status, "reading '\(key)'")
        return value.bytes
    }

    public func kvPut(_ key: String, _ value: some Collection<UInt8>) throws {
        guard let put = kvTable?.pointee.put else { throw PluginError(.unsupported, "the host offers no key-value store") }
        let status = withBorrowedKeyValue(key, value) { put(raw, $0, $1) }
        try check(Status(code: status), "writing '\(key)'")
    }

    /// Stores `value` under `key` for `seconds` (at least 1); after that the key is gone, as if
    /// removed. For markers that matter only for a while ("this record's event was published").
    /// A host before ABI 1.6 has no expiry: there the key is stored for good.
    public func kvPut(_ key: String, _ value: some Collection<UInt8>, expiresAfter seconds: UInt32) throws {
        guard let table = kvTable?.pointee else { throw PluginError(.unsupported, "the host offers no key-value store") }
        let reaches = Int(table.struct_size) >= MemoryLayout<mk_kv_v1_t>.offset(of: \.put_expiring)! + MemoryLayout<UnsafeRawPointer>.size
        guard reaches, let putExpiring = table.put_expiring else { return try kvPut(key, value) }
        let status = withBorrowedKeyValue(key, value) { putExpiring(raw, $0, $1, seconds) }
        try check(Status(code: status), "writing '\(key)'")
    }

    private func withBorrowedKeyValue(_ key: String, _ value: some Collection<UInt8>, _ body: (mk_str_t, mk_str_t) -> Int32) -> Int32 {
        let bytes = Array(value)
        return withBorrowedString(key) { key in
            bytes.withUnsafeBufferPointer { buffer in
                body(key, mk_str_t(ptr: UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), len: buffer.count))
            }
        }
    }

    public func kvRemove(_ key: String) throws {
        guard let remove = kvTable?.pointee.remove else { throw PluginError(.unsupported, "the host offers no key-value store") }
        try check(Status(code: withBorrowedString(key) { remove(raw, $0) }), "removing '\(key)'")
    }

    /// The keys starting with `prefix`, sorted.
    public func kvKeys(prefix: String = "") throws -> [String] {
        guard let list = kvTable?.pointee.list else { throw PluginError(.unsupported, "the host offers no key-value store") }
        let keys = SinkBuffer()
        try check(Status(code: withBorrowedString(prefix) { prefix in keys.withSink { list(raw, prefix, $0) } }), "listing keys")
        return try JSONDecoder().decode([String].self, from: Data(keys.bytes))
    }

    /// Publishes an event for this instance's tenant; returns its id.
    @discardableResult
    public func publish(_ type: String, data: some Encodable, conversationID: String? = nil) throws -> String {
        try publish(type, json: Array(try JSONEncoder().encode(data)), conversationID: conversationID)
    }

    /// Publishes an event whose `data` is already JSON (an object); returns its id.
    @discardableResult
    public func publish(_ type: String, json data: [UInt8], conversationID: String? = nil) throws -> String {
        guard let publish = eventsTable?.pointee.publish else { throw PluginError(.unsupported, "the host offers no event bus") }
        let json = String(decoding: data, as: UTF8.self)
        let id = SinkBuffer()
        let status = withBorrowedString(type) { type in
            withBorrowedString(json) { json in
                withBorrowedString(conversationID ?? "") { conversation in id.withSink { publish(raw, type, json, conversation, $0) } }
            }
        }
        try check(Status(code: status), "publishing '\(type)'")
        return id.string
    }

    /// Reads one of the instance's secrets. Never log or return the value.
    public func secret(_ name: String) throws -> String {
        guard let get = secretsTable?.pointee.get else { throw PluginError(.unsupported, "the host offers no secrets") }
        let value = SinkBuffer()
        try check(Status(code: withBorrowedString(name) { name in value.withSink { get(raw, name, $0) } }), "reading secret '\(name)'")
        return value.string
    }

    public enum MetricKind: Int32, Sendable {
        case counter = 0, gauge, histogram
    }

    /// Records a metric the host exports as `plugin_<id>_<name>`.
    public func record(_ kind: MetricKind, _ name: String, _ value: Double, labels: [String: String] = [:]) throws {
        guard let record = metricsTable?.pointee.record else { throw PluginError(.unsupported, "the host offers no metrics") }
        let labelsJSON = labels.isEmpty ? "" : String(decoding: try JSONEncoder().encode(labels), as: UTF8.self)
        let status = withBorrowedString(name) { name in withBorrowedString(labelsJSON) { record(raw, kind.rawValue, name, $0, value) } }
        try check(Status(code: status), "recording metric '\(name)'")
    }

    func check(_ status: Status, _ what: String) throws {
        guard status != .ok else { return }
        throw PluginError(status, "\(what) failed: \(status)")
    }
}
