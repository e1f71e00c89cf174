import Foundation
import MarketCore
import MarketPluginAPI
import PluginKit

/// A plugin library that passed every check of the loader, with its static descriptor.
///
/// Libraries are never unloaded: they are opened with RTLD_NODELETE, because unmapping a Swift
/// library makes the host crash at its next protocol-conformance lookup.
public struct PluginLibrary: @unchecked Sendable {
    // @unchecked: the descriptor is static, immutable data inside a library that is never unloaded.
    public let bundle: PluginBundle
    let descriptor: UnsafePointer<mk_plugin_descriptor_t>

    public var manifest: PluginManifest { bundle.manifest }
    public var id: String { manifest.id }
    /// Whether the plugin lets calls into one instance overlap.
    public var isConcurrent: Bool { descriptor.pointee.flags & MK_PLUGIN_CONCURRENT != 0 }
    /// The ABI version the plugin was built against.
    public var abiVersion: UInt32 { descriptor.pointee.abi_version }
    public var toolchain: String? { descriptor.pointee.toolchain.map { String(cString: $0) } }

    /// The capability ids the plugin offers, in ABI order.
    public var capabilities: [String] {
        [MK_TOOLS_V1, MK_MODEL_V1, MK_EVENTS_V1, MK_INGRESS_V1, MK_TARGETS_V1, MK_EVENT_BATCHES_V1, MK_CONNECTION_TEST_V1].filter { capability($0) != nil }
    }

    func capability(_ id: String) -> UnsafeRawPointer? {
        descriptor.pointee.get_capability?(id)
    }

    /// Checks the manifest, opens the library and checks its descriptor against the host's ABI
    /// and the manifest. Each failure is a named error with a fix.
    public static func load(_ bundle: PluginBundle) throws -> PluginLibrary {
        let manifest = bundle.manifest
        let range = try VersionRange(manifest.abi)
        let hostABI = SemanticVersion(Int(MK_ABI_VERSION_MAJOR), Int(MK_ABI_VERSION_MINOR), 0)
        guard range.contains(hostABI) else {
            throw MarketError(.abiIncompatible, "\(manifest.id) needs ABI \(manifest.abi); this host speaks \(hostABI.major).\(hostABI.minor)",
                              fix: "install a version of \(manifest.id) built for ABI ^\(hostABI.major).0")
        }
        if manifest.language == .swift, manifest.toolchain != swiftToolchain {
            throw MarketError(.toolchainMismatch, "\(manifest.id) was built with \(manifest.toolchain ?? "an unknown toolchain"); the host runs \(swiftToolchain)",
                              fix: "rebuild the plugin with the host's toolchain (\(swiftToolchain)); Swift has no stable ABI on Linux")
        }
        let path = bundle.libraryURL.path
        guard FileManager.default.fileExists(atPath: path) else {
            throw MarketError(.loadFailed, "\(manifest.id): the library \(manifest.library) is not in \(bundle.directory.path)",
                              fix: "build the plugin, or correct 'library' in plugin.json")
        }
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw MarketError(.loadFailed, "\(manifest.id): the loader refused \(path): \(reason)",
                              fix: "check that the library was built for this platform and that its dependencies are installed")
        }
        guard let symbol = dlsym(handle, MK_PLUGIN_ENTRY_V1_SYMBOL) else {
            throw MarketError(.symbolMissing, "\(manifest.id): \(manifest.library) does not export \(MK_PLUGIN_ENTRY_V1_SYMBOL)",
                              fix: "export the entry point with MK_EXPORT (C), #[no_mangle] (Rust) or @_cdecl (Swift)")
        }
        let entry = unsafeBitCast(symbol, to: mk_plugin_entry_v1_fn.self)
        guard let descriptor = entry(PluginKit.abiVersion) else {
            throw MarketError(.abiIncompatible, "\(manifest.id) declined this host's ABI \(MK_ABI_VERSION_MAJOR).\(MK_ABI_VERSION_MINOR)",
                              fix: "install a version of \(manifest.id) built for ABI ^\(MK_ABI_VERSION_MAJOR).0")
        }
        let library = PluginLibrary(bundle: bundle, descriptor: descriptor)
        try library.checkDescriptor()
        return library
    }

    private func checkDescriptor() throws {
        // Read the size before the rest: a smaller struct must not be read past its end.
        let size = UnsafeRawPointer(descriptor).load(as: UInt32.self)
        let required = MemoryLayout<mk_plugin_descriptor_t>.size
        guard size >= required else {
            throw MarketError(.abiIncompatible, "\(id): its descriptor is \(size) bytes, smaller than ABI v1's \(required)",
                              fix: "rebuild the plugin against the current market/plugin.h")
        }
        let raw = descriptor.pointee
        guard raw.abi_version >> 16 == MK_ABI_VERSION_MAJOR else {
            throw MarketError(.abiIncompatible, "\(id) was built for ABI \(raw.abi_version >> 16).\(raw.abi_version & 0xFFFF); this host speaks \(MK_ABI_VERSION_MAJOR).x",
                              fix: "rebuild the plugin against this host's headers, or install a build for ABI \(MK_ABI_VERSION_MAJOR)")
        }
        guard raw.create != nil, raw.destroy != nil, raw.get_capability != nil else {
            throw MarketError(.abiIncompatible, "\(id): its descriptor leaves create, destroy or get_capability NULL",
                              fix: "fill every function of mk_plugin_descriptor_t")
        }
        let descriptorID = raw.id.map { String(cString: $0) } ?? ""
        let descriptorVersion = raw.version.map { String(cString: $0) } ?? ""
        guard descriptorID == manifest.id, descriptorVersion == manifest.version else {
            throw MarketError(.manifestMismatch, "the library says it is \(descriptorID) \(descriptorVersion); plugin.json says \(manifest.id) \(manifest.version)",
                              fix: "make the descriptor's id and version equal those in plugin.json")
        }
        if manifest.language == .swift, toolchain != manifest.toolchain {
            throw MarketError(.manifestMismatch, "\(id): the library was built with \(toolchain ?? "no recorded toolchain"); plugin.json says \(manifest.toolchain ?? "none")",
                              fix: "rebuild the plugin and record its toolchain in plugin.json")
        }
        for (kind, capability) in [(PluginManifest.Kind.tools, MK_TOOLS_V1), (.model, MK_MODEL_V1), (.events, MK_EVENTS_V1), (.ingress, MK_INGRESS_V1), (.targets, MK_TARGETS_V1)]
        where manifest.kinds.contains(kind) && self.capability(capability) == nil {
            throw MarketError(.manifestMismatch, "\(id): plugin.json lists the kind '\(kind.rawValue)' but the library offers no \(capability)",
                              fix: "offer \(capability) from get_capability, or remove '\(kind.rawValue)' from kinds")
        }
    }
}
