import Foundation
import Logging
import MarketCore
import MarketPluginAPI

/// Everything the host services need to know about the instance calling them. The
/// `mk_host_t` handed to the plugin points here through `host_data`.
final class InstanceContext: @unchecked Sendable {
    // @unchecked: every stored property is immutable after init; `host` is written once here
    // and only read by plugin threads afterwards.
    let pluginID: String
    let tenantID: String
    let network: NetworkPermission
    let allowedSecrets: Set<String>
    let allowedEvents: Set<String>
    let allowedPrograms: Set<String>
    /// Helper programs started through `market.process/1`, stopped with the instance.
    let processes = ProcessTable()
    let secrets: [String: String]
    let services: HostServices
    let logger: Logger
    let namespace: KeyValueNamespace
    let host: UnsafeMutablePointer<mk_host_t>

    init(manifest: PluginManifest, tenantID: String, secrets: [String: String], services: HostServices) {
        pluginID = manifest.id
        self.tenantID = tenantID
        network = NetworkPermission(manifest.permissions.network)
        allowedSecrets = Set(manifest.permissions.secrets)
        allowedEvents = Set(manifest.permissions.events.emit)
        allowedPrograms = Set(manifest.permissions.processes)
        self.secrets = secrets
        self.services = services
        var logger = services.logger
        logger[metadataKey: "plugin"] = .string(manifest.id)
        logger[metadataKey: "tenant"] = .string(tenantID)
        self.logger = logger
        namespace = KeyValueNamespace(tenantID: tenantID, pluginID: manifest.id)
        host = .allocate(capacity: 1)
        host.initialize(to: mk_host_t(
            struct_size: UInt32(MemoryLayout<mk_host_t>.size),
            abi_version: (MK_ABI_VERSION_MAJOR << 16) | MK_ABI_VERSION_MINOR,
            host_data: nil,
            get_service: ServiceTables.lookup
        ))
        host.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        host.deinitialize(count: 1)
        host.deallocate()
    }

    /// The context behind a host pointer a plugin passed back.
    static func from(_ host: UnsafePointer<mk_host_t>?) -> InstanceContext? {
        guard let data = host?.pointee.host_data else { return nil }
        return Unmanaged<InstanceContext>.fromOpaque(data).takeUnretainedValue()
    }

    /// Notes a refused request where operators look for it.
    func denied(_ what: String, fix: String) {
        logger.warning("plugin request refused", metadata: ["refused": .string(what), "fix": .string(fix)])
    }
}
