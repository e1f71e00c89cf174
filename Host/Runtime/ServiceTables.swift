import CoreMetrics
import Foundation
import Logging
import MarketCore
import MarketPluginAPI
import PluginKit
import Synchronization

/// The static C tables of the host services. Each function finds the calling instance
/// through the `mk_host_t` it receives, checks the manifest's permissions, and calls the
/// Swift backend. Nothing thrown in Swift crosses back: failures become status codes.
enum ServiceTables {
    static let lookup: @convention(c) (UnsafePointer<mk_host_t>?, UnsafePointer<CChar>?) -> UnsafeRawPointer? = { host, id in
        guard let id else { return nil }
        switch String(cString: id) {
        case MK_LOG_V1: return UnsafeRawPointer(log)
        case MK_KV_V1: return UnsafeRawPointer(kv)
        case MK_EVENTS_V1: return UnsafeRawPointer(events)
        case MK_SECRETS_V1: return UnsafeRawPointer(secrets)
        case MK_METRICS_V1: return UnsafeRawPointer(metrics)
        case MK_HTTP_V1: return UnsafeRawPointer(HTTPService.table)
        case MK_PROCESS_V1: return UnsafeRawPointer(ProcessService.table)
        case MK_CLUSTER_V1: return UnsafeRawPointer(cluster)
        case MK_DOCUMENTS_V1 where InstanceContext.from(host)?.services.documents != nil: return UnsafeRawPointer(documents)
        case MK_CONNECTIONS_V1 where InstanceContext.from(host)?.services.connections != nil: return UnsafeRawPointer(connections)
        default: return nil
        }
    }

    nonisolated(unsafe) static let log = table(mk_log_v1_t(
        struct_size: UInt32(MemoryLayout<mk_log_v1_t>.size),
        log: { host, level, message, fields in
            guard let context = InstanceContext.from(host) else { return }
            var metadata: Logger.Metadata = [:]
            if fields.len > 0 {
                if case .object(let members)? = try? JSONValue(parsing: fields.string) {
                    // The host's own fields name the plugin and tenant; a plugin cannot overwrite them.
                    for (key, value) in members where key != "plugin" && key != "tenant" {
                        if case .string(let text) = value { metadata[key] = .string(text) } else { metadata[key] = .string(value.jsonText) }
                    }
                } else {
                    metadata["fields"] = .string(fields.string)
                }
            }
            let levels: [Int32: Logger.Level] = [MK_LOG_TRACE: .trace, MK_LOG_DEBUG: .debug, MK_LOG_INFO: .info, MK_LOG_WARNING: .warning]
            context.logger.log(level: levels[level] ?? .error, "\(message.string)", metadata: metadata)
        }
    ))

    nonisolated(unsafe) static let kv = table(mk_kv_v1_t(
        struct_size: UInt32(MemoryLayout<mk_kv_v1_t>.size),
        get: { host, key, value in
            serve(host) { context in
                let key = try validKey(key)
                guard let stored = try context.services.keyValue.get(context.namespace, key: key) else { return MK_ERR_NOT_FOUND }
                return PluginKit.write(stored, to: value).rawValue
            }
        },
        put: { host, key, value in store(host, key, value, expiresAfter: nil) },
        remove: { host, key in
            serve(host) { context in
                try context.services.keyValue.remove(context.namespace, key: try validKey(key))
                return MK_OK
            }
        },
        list: { host, prefix, keys in
            serve(host) { context in
                let found = try context.services.keyValue.keys(context.namespace, prefix: prefix.string)
                return PluginKit.write(JSONValue.array(found.map(JSONValue.string)).jsonText, to: keys).rawValue
            }
        },
        put_expiring: { host, key, value, seconds in
            seconds > 0 ? store(host, key, value, expiresAfter: seconds) : MK_ERR_INVALID_ARGUMENT
        }
    ))

    /// `put` and `put_expiring` (with a time to live): the key's and the value's checks, then the store.
    private static func store(_ host: UnsafePointer<mk_host_t>?, _ key: mk_str_t, _ value: mk_str_t, expiresAfter seconds: UInt32?) -> mk_status_t {
        serve(host) { context in
            let key = try validKey(key)
            guard value.len <= KeyValueLimits.maximumValueBytes else { return MK_ERR_TOO_LARGE }
            try context.services.keyValue.put(context.namespace, key: key, value: Array(value.buffer), expiresAfter: seconds)
            return MK_OK
        }
    }

    nonisolated(unsafe) static let cluster = table(mk_cluster_v1_t(
        struct_size: UInt32(MemoryLayout<mk_cluster_v1_t>.size),
        replicas: { host in
            UInt32(clamping: InstanceContext.from(host)?.services.replicas.current ?? 1)
        }
    ))

    nonisolated(unsafe) static let events = table(mk_host_events_v1_t(
        struct_size: UInt32(MemoryLayout<mk_host_events_v1_t>.size),
        publish: { host, type, data, conversation, eventID in
            serve(host) { context in
                let type = type.string
                guard context.allowedEvents.contains(type) else {
                    context.denied("publish \(type)", fix: "add \"\(type)\" to permissions.events.emit in plugin.json")
                    return MK_ERR_PERMISSION_DENIED
                }
                let json = data.len == 0 ? "{}" : data.string
                guard data.len == 0 || JSONSyntax.isValid(data.buffer), json.trimmingCharacters(in: .whitespacesAndNewlines).first == "{" else {
                    return MK_ERR_INVALID_ARGUMENT
                }
                let event = EventEnvelope(type: type, tenantID: context.tenantID,
                                          conversationID: conversation.len == 0 ? nil : conversation.string, data: json)
                try context.services.events.publish(event)
                return PluginKit.write(event.id, to: eventID).rawValue
            }
        }
    ))

    nonisolated(unsafe) static let secrets = table(mk_secrets_v1_t(
        struct_size: UInt32(MemoryLayout<mk_secrets_v1_t>.size),
        get: { host, name, value in
            serve(host) { context in
                let name = name.string
                guard context.allowedSecrets.contains(name) else {
                    context.denied("secret \(name)", fix: "add \"\(name)\" to permissions.secrets in plugin.json")
                    return MK_ERR_PERMISSION_DENIED
                }
                guard let secret = context.secrets[name] else { return MK_ERR_NOT_FOUND }
                return PluginKit.write(secret, to: value).rawValue
            }
        }
    ))

    nonisolated(unsafe) static let metrics = table(mk_metrics_v1_t(
        struct_size: UInt32(MemoryLayout<mk_metrics_v1_t>.size),
        record: { host, kind, name, labels, value in
            serve(host) { context in
                let name = name.string
                guard isMetricName(name), value.isFinite else { return MK_ERR_INVALID_ARGUMENT }
                var dimensions = [("tenant", context.tenantID)]
                if labels.len > 0 {
                    guard case .object(let members)? = try? JSONValue(parsing: labels.string) else { return MK_ERR_INVALID_ARGUMENT }
                    for (key, value) in members.sorted(by: { $0.key < $1.key }) {
                        guard case .string(let text) = value, key != "tenant", isMetricName(key) else { return MK_ERR_INVALID_ARGUMENT }
                        dimensions.append((key, text))
                    }
                }
                let label = "plugin_\(context.pluginID.replacingOccurrences(of: "-", with: "_"))_\(name)"
                // One kind per name: Prometheus's registry cannot hold a name as two kinds, and
                // swift-prometheus stops the whole process when asked to.
                guard [MK_METRIC_COUNTER, MK_METRIC_GAUGE, MK_METRIC_HISTOGRAM].contains(kind) else { return MK_ERR_INVALID_ARGUMENT }
                let first = metricKinds.withLock { kinds in
                    if let known = kinds[label] { return known }
                    kinds[label] = kind
                    return kind
                }
                guard first == kind else { return MK_ERR_INVALID_ARGUMENT }
                let factory = context.services.metrics
                switch kind {
                case MK_METRIC_COUNTER:
                    guard value >= 0 else { return MK_ERR_INVALID_ARGUMENT }
                    FloatingPointCounter(label: label, dimensions: dimensions, factory: factory).increment(by: value)
                case MK_METRIC_GAUGE: Gauge(label: label, dimensions: dimensions, factory: factory).record(value)
                case MK_METRIC_HISTOGRAM: Recorder(label: label, dimensions: dimensions, aggregate: true, factory: factory).record(value)
                default: return MK_ERR_INVALID_ARGUMENT
                }
                return MK_OK
            }
        }
    ))

    /// The kind each plugin metric was first recorded as, for the process's life.
    static let metricKinds = Mutex<[String: Int32]>([:])

    /// Runs a service call for the instance behind `host`, mapping thrown errors to statuses.
    static func serve(_ host: UnsafePointer<mk_host_t>?, _ body: (InstanceContext) throws -> mk_status_t) -> mk_status_t {
        guard let context = InstanceContext.from(host) else { return MK_ERR_INVALID_ARGUMENT }
        do {
            return try body(context)
        } catch let error as ServiceRefusal {
            return error.status
        } catch {
            context.logger.error("host service failed", metadata: ["error": .string("\(error)")])
            return MK_ERR_UNAVAILABLE
        }
    }

    /// `[a-z0-9_]{1,64}`, for metric and label names.
    static func isMetricName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy {
            $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
        }
    }

    static func validKey(_ key: mk_str_t) throws -> String {
        // Keys must be valid UTF-8: replacing bad bytes would let two different keys collide.
        guard (1...KeyValueLimits.maximumKeyBytes).contains(key.len), let text = String(bytes: key.buffer, encoding: .utf8) else {
            throw ServiceRefusal(status: MK_ERR_INVALID_ARGUMENT)
        }
        return text
    }

    static func table<Table>(_ value: Table) -> UnsafeMutablePointer<Table> {
        let pointer = UnsafeMutablePointer<Table>.allocate(capacity: 1)
        pointer.initialize(to: value)
        return pointer
    }
}

/// A service call refused with a specific status.
struct ServiceRefusal: Error {
    let status: mk_status_t
}
