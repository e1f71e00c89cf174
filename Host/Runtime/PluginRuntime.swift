import Foundation
import Logging
import MarketCore
import MarketPluginAPI
import PluginKit
import Synchronization

/// Loads plugins and creates their instances. Libraries are loaded once per path and never
/// unloaded; a plugin that fails to load is reported and does not affect the others.
public final class PluginRuntime: Sendable {
    public let services: HostServices
    public let limits: CallLimits
    private let concurrentExecutor: PluginExecutor
    private let loaded = Mutex<[String: PluginLibrary]>([:])

    public init(services: HostServices, limits: CallLimits = CallLimits(),
                concurrentThreads: Int = max(2, ProcessInfo.processInfo.activeProcessorCount)) {
        self.services = services
        self.limits = limits
        concurrentExecutor = PluginExecutor(threads: concurrentThreads)
    }

    /// The ABI version this host speaks.
    public static let abiVersion = HostABI.version
    /// The Swift toolchain Swift plugins must have been built with.
    public static let toolchain = HostABI.toolchain

    /// Loads the plugin in `directory` (checks manifest, library, ABI and descriptor).
    public func load(_ directory: URL) throws -> PluginLibrary {
        try load(PluginBundle(at: directory))
    }

    public func load(_ bundle: PluginBundle) throws -> PluginLibrary {
        let key = bundle.libraryURL.resolvingSymlinksInPath().path
        if let library = loaded.withLock({ $0[key] }) { return library }
        let library = try PluginLibrary.load(bundle)
        loaded.withLock { $0[key] = library }
        services.logger.debug("plugin loaded", metadata: ["plugin": .string(library.id), "version": .string(library.manifest.version)])
        return library
    }

    /// Loads every plugin folder in `root`; each result stands alone.
    public func loadAll(in root: URL) -> [Result<PluginLibrary, MarketError>] {
        PluginBundle.discover(in: root).map { result in
            result.flatMap { bundle in
                MarketError.catching(.loadFailed, "\(bundle.manifest.id) could not be loaded") { try load(bundle) }
            }
        }
    }

    /// Creates an instance of `library` for `tenantID` with `config` (a JSON object) and the
    /// instance's secrets. Serial plugins get a thread of their own.
    public func instantiate(_ library: PluginLibrary, tenantID: String, config: String = "{}",
                            secrets: [String: String] = [:], timeout: Duration? = nil) async throws -> PluginInstance {
        guard case .object? = try? JSONValue(parsing: config) else {
            throw MarketError(.instanceFailed, "the configuration for \(library.id) is not a JSON object", fix: "pass the settings as {\"key\": value}")
        }
        _ = try PluginInstance.capabilityTables(library)
        let context = InstanceContext(manifest: library.manifest, tenantID: tenantID, secrets: secrets, services: services)
        let executor = library.isConcurrent ? concurrentExecutor : PluginExecutor(threads: 1)
        let create = library.descriptor.pointee.create
        let destroy = library.descriptor.pointee.destroy
        let host = UncheckedSendable(context.host)
        let token = CallToken(timeout: timeout ?? limits.defaultTimeout)
        do {
            let handle = try await executor.run(token: token, what: "\(library.id): create") {
                let error = SinkBuffer(limit: 16 << 10)
                var handle: UnsafeMutableRawPointer?
                // The host pointer lives in `context`, which the instance keeps alive.
                let status = withBorrowedString(config) { config in error.withSink { create?(host.value, config, &handle, $0) ?? MK_ERR_INTERNAL } }
                guard status == MK_OK else {
                    throw MarketError(.instanceFailed, "\(library.id) refused to start for tenant \(tenantID): \(Status(code: status))\(error.bytes.isEmpty ? "" : ": \(error.string)")",
                                      fix: "check the plugin's configuration and secrets")
                }
                // The caller gave up (deadline or cancellation) while create ran: nobody will
                // own this instance, so release it here.
                if token.isCancelled || token.isPastDeadline {
                    destroy?(handle)
                    throw MarketError(.timeout, "\(library.id) took too long to start")
                }
                return UncheckedSendable(handle)
            }
            return try PluginInstance(library: library, tenantID: tenantID, limits: limits, context: context, handle: handle.value,
                                      executor: executor, ownsExecutor: !library.isConcurrent)
        } catch {
            // Without waiting: a create that ran past its deadline may still be running there.
            if !library.isConcurrent { executor.stopWhenIdle() }
            throw error
        }
    }

    /// Stops the shared threads once they finish the work in hand, and waits for that; close
    /// instances first. A call stuck past its deadline holds this up for as long as it runs.
    public func shutdown() async {
        await concurrentExecutor.shutdown()
    }
}
