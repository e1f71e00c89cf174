// swift-tools-version:6.1
import PackageDescription

// The plugin links the Swift runtime dynamically (never -static-stdlib) and exports only
// mk_plugin_entry_v1. SDK/ holds the ABI header, PluginKit and the JSON scanner it uses,
// copied by `market new`.
let package = Package(
    name: "__PLUGIN_ID__",
    products: [
        .library(name: "__TYPE_NAME__", type: .dynamic, targets: ["__TYPE_NAME__"]),
    ],
    targets: [
        .target(name: "MarketPluginAPI", path: "SDK/MarketPluginAPI", sources: ["abi"], publicHeadersPath: "include"),
        .target(name: "JSONScanning", path: "SDK/JSONScanning"),
        .target(name: "PluginKit", dependencies: ["MarketPluginAPI", "JSONScanning"], path: "SDK/PluginKit"),
        .target(
            name: "__TYPE_NAME__",
            dependencies: ["PluginKit"],
            path: "Sources",
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(Context.packageDirectory)/SDK/exports.map"])]
        ),
    ]
)
