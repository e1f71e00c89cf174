import Foundation
import MarketPluginAPI

/// Returns the descriptor of `type` for a host of ABI version `hostABI`, or `nil` when the
/// major versions differ. Call it from the library's one exported function:
///
///     @_cdecl("mk_plugin_entry_v1")
///     public func entry(_ abi: UInt32) -> UnsafeRawPointer? { export(MyPlugin.self, hostABI: abi) }
public func export(_ type: any Plugin.Type, hostABI: UInt32) -> UnsafeRawPointer? {
    guard hostABI >> 16 == MK_ABI_VERSION_MAJOR else { return nil }
    return Exported.shared.descriptor(for: type)
}

/// The one plugin type of this library and its static descriptor. Each plugin library carries
/// its own copy of PluginKit, so this is per plugin.
final class Exported: @unchecked Sendable {
    // @unchecked: `type` and `descriptor` are written once under `lock` and only read after.
    static let shared = Exported()
    private let lock = NSLock()
    private(set) var type: (any Plugin.Type)?
    private var descriptor: UnsafeMutablePointer<mk_plugin_descriptor_t>?

    func descriptor(for type: any Plugin.Type) -> UnsafeRawPointer? {
        lock.lock()
        defer { lock.unlock() }
        if let descriptor { return UnsafeRawPointer(descriptor) }
        self.type = type
        let descriptor = UnsafeMutablePointer<mk_plugin_descriptor_t>.allocate(capacity: 1)
        descriptor.initialize(to: mk_plugin_descriptor_t(
            struct_size: UInt32(MemoryLayout<mk_plugin_descriptor_t>.size),
            abi_version: abiVersion,
            id: UnsafePointer(strdup(type.id)),
            version: UnsafePointer(strdup(type.version)),
            toolchain: UnsafePointer(strdup(swiftToolchain)),
            flags: type.concurrency == .concurrent ? MK_PLUGIN_CONCURRENT : MK_PLUGIN_SERIAL,
            create: createInstance,
            destroy: { instance in
                guard let instance else { return }
                Unmanaged<Instance>.fromOpaque(instance).release()
            },
            get_capability: capability
        ))
        self.descriptor = descriptor
        return UnsafeRawPointer(descriptor)
    }
}

/// What the host's `void *instance` points to.
final class Instance {
    let plugin: any Plugin
    let tools: [String: Tool]
    let toolListing: [UInt8]
    /// The plugin as a `DynamicToolPlugin`, cast once here rather than on every call.
    let dynamicTools: (any DynamicToolPlugin)?

    init(_ plugin: any Plugin) {
        self.plugin = plugin
        dynamicTools = plugin as? any DynamicToolPlugin
        let tools = (plugin as? any ToolPlugin)?.tools ?? []
        self.tools = Dictionary(tools.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        toolListing = Array(("[" + tools.map(\.listing).joined(separator: ",") + "]").utf8)
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> Instance? {
        pointer.map { Unmanaged<Instance>.fromOpaque($0).takeUnretainedValue() }
    }
}

/// Runs `body`, turning a thrown error into its status and a message in `error`.
func guarded(_ error: UnsafeMutablePointer<mk_sink_t>?, _ body: () throws -> Void) -> mk_status_t {
    do {
        try body()
        return MK_OK
    } catch let failure as PluginError {
        write(failure.message, to: error)
        return failure.status.rawValue
    } catch let failure {
        write("\(failure)", to: error)
        return Status.internal.rawValue
    }
}

private let createInstance: @convention(c) (
    UnsafePointer<mk_host_t>?, mk_str_t, UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<mk_sink_t>?
) -> mk_status_t = { host, config, out, error in
    guarded(error) {
        guard let host, let out, let type = Exported.shared.type else {
            throw PluginError(.invalidArgument, "create was called without a host or an output")
        }
        let plugin = try type.init(host: PluginHost(host), config: PluginConfig(json: Array(config.buffer)))
        out.pointee = Unmanaged.passRetained(Instance(plugin)).toOpaque()
    }
}

private let capability: @convention(c) (UnsafePointer<CChar>?) -> UnsafeRawPointer? = { id in
    guard let id, let type = Exported.shared.type else { return nil }
    switch String(cString: id) {
    case MK_TOOLS_V1 where type is any ToolPlugin.Type || type is any DynamicToolPlugin.Type: return UnsafeRawPointer(Tables.tools)
    case MK_EVENTS_V1 where type is any EventPlugin.Type: return UnsafeRawPointer(Tables.events)
    case MK_EVENT_BATCHES_V1 where type is any EventBatchPlugin.Type: return UnsafeRawPointer(Tables.eventBatches)
    case MK_MODEL_V1 where type is any ModelPlugin.Type: return UnsafeRawPointer(Tables.model)
    case MK_INGRESS_V1 where type is any IngressPlugin.Type: return UnsafeRawPointer(Tables.ingress)
    case MK_TARGETS_V1 where type is any TargetPlugin.Type: return UnsafeRawPointer(Tables.targets)
    case MK_CONNECTION_TEST_V1 where type is any ConnectionTestPlugin.Type: return UnsafeRawPointer(Tables.connectionTest)
    default: return nil
    }
}
