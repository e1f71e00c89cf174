import MarketCore

/// Where an artifact runs: operating system, CPU architecture and, for Swift plugins, the
/// toolchain that built it (Swift has no stable ABI on Linux).
public struct Platform: Codable, Hashable, Sendable, CustomStringConvertible {
    /// The name of the file in a package that says which platform its library is for.
    public static let fileName = "platform.json"

    public var os: String
    public var arch: String
    public var toolchain: String?

    public init(os: String, arch: String, toolchain: String? = nil) {
        self.os = os
        self.arch = arch
        self.toolchain = toolchain
    }

    /// This host's os and arch, with `toolchain` when the artifact is a Swift plugin.
    public static func host(toolchain: String? = nil) -> Platform {
        Platform(os: hostOS, arch: hostArch, toolchain: toolchain)
    }

    /// Whether an artifact built for this platform loads on `host`: same os and arch, and the
    /// same toolchain when the artifact names one.
    public func runs(on host: Platform) -> Bool {
        os == host.os && arch == host.arch && (toolchain == nil || toolchain == host.toolchain)
    }

    /// The host this process runs on, with its toolchain.
    public static var current: Platform { Platform(os: hostOS, arch: hostArch, toolchain: HostABI.toolchain) }

    /// `linux-x86_64` or `linux-x86_64-swift-6.3.1`: the suffix of package file names and
    /// the key of artifacts in an index.
    public var description: String {
        [os, arch, toolchain].compactMap { $0 }.joined(separator: "-")
    }

    private static var hostOS: String {
        #if os(Linux)
        "linux"
        #elseif os(macOS)
        "macos"
        #else
        "unknown"
        #endif
    }

    private static var hostArch: String {
        #if arch(x86_64)
        "x86_64"
        #elseif arch(arm64)
        "aarch64"
        #else
        "unknown"
        #endif
    }
}
