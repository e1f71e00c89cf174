import Foundation
import MarketCore

/// Finds the plugin SDK (PluginAPI/: headers, PluginKit, templates) that `market new` copies.
enum SDKLocation {
    static let marker = "include/market/market.h"

    /// `$MARKET_SDK`, else a PluginAPI/ beside or above the executable (a source checkout or
    /// an install prefix's share/market/PluginAPI).
    static func find() throws -> URL {
        let fileManager = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["MARKET_SDK"] {
            let url = URL(fileURLWithPath: explicit)
            guard fileManager.fileExists(atPath: url.appendingPathComponent(marker).path) else {
                throw MarketError(.sdkMissing, "MARKET_SDK points at \(explicit), which holds no \(marker)",
                                  fix: "set MARKET_SDK to the PluginAPI folder of a Market checkout or install")
            }
            return url
        }
        var directory = URL(fileURLWithPath: CommandLine.executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
        while directory.path != "/" {
            for candidate in ["PluginAPI", "share/market/PluginAPI"] {
                let url = directory.appendingPathComponent(candidate)
                if fileManager.fileExists(atPath: url.appendingPathComponent(marker).path) { return url }
            }
            directory.deleteLastPathComponent()
        }
        throw MarketError(.sdkMissing, "the plugin SDK (PluginAPI/) was not found near \(CommandLine.executablePath)",
                          fix: "set MARKET_SDK to the PluginAPI folder of a Market checkout")
    }
}

extension MarketError.Code {
    static let sdkMissing = Self(rawValue: "SDK_MISSING")
    static let scaffoldFailed = Self(rawValue: "SCAFFOLD_FAILED")
}

extension CommandLine {
    /// The running executable, resolved through /proc so a PATH lookup does not matter.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}
