/// The Swift toolchain this code was compiled with, as plugin manifests record it
/// (`swift-6.3.1`). Swift has no stable ABI on Linux, so host and Swift plugins must match.
public let swiftToolchain: String = {
    #if compiler(>=6.4)
    return "swift-6.4"
    #elseif compiler(>=6.3.3)
    return "swift-6.3.3"
    #elseif compiler(>=6.3.2)
    return "swift-6.3.2"
    #elseif compiler(>=6.3.1)
    return "swift-6.3.1"
    #elseif compiler(>=6.3)
    return "swift-6.3.0"
    #elseif compiler(>=6.2)
    return "swift-6.2"
    #else
    return "swift-6.1"
    #endif
}()
