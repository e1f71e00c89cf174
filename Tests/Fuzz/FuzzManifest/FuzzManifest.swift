import Foundation
import FuzzSupport
import MarketCore

/// Fuzzes plugin.json parsing and validation (`PluginManifest.parse`), which reads what any
/// plugin author or registry ships: it must answer an error for any input, never trap.
func fuzzOne(_ bytes: [UInt8]) {
    _ = try? PluginManifest.parse(Data(bytes), source: "fuzz/plugin.json")
}


@main enum Harness {
    static func main() { FuzzMain.run(fuzzOne) }
}
