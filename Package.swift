// swift-tools-version:6.1
import PackageDescription

let baseSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// scripts/fuzz.sh builds with MARKET_FUZZ=1: the project's own modules then carry libFuzzer's
/// coverage instrumentation and the harnesses (Tests/Fuzz) link its driver. Build tools stay plain.
let fuzzing = Context.environment["MARKET_FUZZ"] == "1"
let strictSettings: [SwiftSetting] = baseSettings + (fuzzing ? [.unsafeFlags(["-sanitize=fuzzer"]), .define("FUZZING")] : [])
let fuzzHarnessLinking: [LinkerSetting] = fuzzing ? [.unsafeFlags(["-sanitize=fuzzer", "-use-ld=lld"])] : []

/// Swift plugins export only `mk_plugin_entry_v1`; everything else stays local to the library.
let pluginExports = Context.packageDirectory + "/PluginAPI/exports.map"

let package = Package(
    name: "market",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "market", targets: ["market"]),
        .library(name: "PluginKit", targets: ["PluginKit"]),
        .library(name: "MarketRuntime", targets: ["MarketCore", "PluginRuntime"]),
        // For the benchmarks package: the server, the store and its event bus.
        .library(name: "MarketServer", targets: ["MarketServer", "MarketBot", "TelegramChannel", "PluginHosting"]),
        .library(name: "MarketStore", targets: ["MarketStore"]),
        .library(name: "NotesPlugin", type: .dynamic, targets: ["NotesPlugin"]),
        .library(name: "OpenAIPlugin", type: .dynamic, targets: ["OpenAIPlugin"]),
        .library(name: "AnthropicPlugin", type: .dynamic, targets: ["AnthropicPlugin"]),
        .library(name: "MCPPlugin", type: .dynamic, targets: ["MCPPlugin"]),
        .library(name: "WebhooksPlugin", type: .dynamic, targets: ["WebhooksPlugin"]),
        .library(name: "AmplitudePlugin", type: .dynamic, targets: ["AmplitudePlugin"]),
        .library(name: "CRMPlugin", type: .dynamic, targets: ["CRMPlugin"]),
        .library(name: "AmoCRMPlugin", type: .dynamic, targets: ["AmoCRMPlugin"]),
        .library(name: "Bitrix24Plugin", type: .dynamic, targets: ["Bitrix24Plugin"]),
        .library(name: "HubSpotPlugin", type: .dynamic, targets: ["HubSpotPlugin"]),
        .library(name: "ModelProviderKit", targets: ["ModelProviderKit"]),
        .library(name: "CRMKit", targets: ["CRMKit"]),
        .library(name: "PluginKitProbe", type: .dynamic, targets: ["PluginKitProbe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        // The server's connection handlers see requests as Hummingbird's HTTP/1 pipeline decodes them.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Only the server's tests read YAML (the OpenAPI spec).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // Test-only: property-based tests with shrinking (docs/decisions.md, "Quality gates").
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        // The C ABI: PluginAPI/include/market/*.h. The C file only checks the layout.
        .target(
            name: "MarketPluginAPI",
            path: "PluginAPI",
            sources: ["abi"],
            publicHeadersPath: "include"
        ),
        // The Swift SDK for plugin authors.
        .target(
            name: "PluginKit",
            // JSONScanning: the envelopes of an event batch are split in place.
            dependencies: ["MarketPluginAPI", "JSONScanning"],
            path: "PluginAPI/PluginKit",
            swiftSettings: strictSettings
        ),
        // The one JSON scanner, shared by the SDK's fast paths and the host; it depends on nothing,
        // so the SDK does not depend on the host (docs/decisions.md, "One of each").
        .target(
            name: "JSONScanning",
            path: "PluginAPI/JSONScanning",
            swiftSettings: strictSettings
        ),
        // Shared by model-provider plugins: SSE parsing, streamed-answer assembly, retries.
        .target(
            name: "ModelProviderKit",
            dependencies: ["PluginKit", "JSONScanning"],
            path: "PluginAPI/ModelProviderKit",
            swiftSettings: strictSettings
        ),
        // The CRM tool contract (docs/crm.md): records, inputs, schemas and phone/e-mail
        // identity, shared by every CRM plugin.
        .target(
            name: "CRMKit",
            dependencies: ["PluginKit"],
            path: "PluginAPI/CRMKit",
            swiftSettings: strictSettings
        ),
        .systemLibrary(
            name: "CCurl",
            path: "Host/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // glibc's posix_spawn extensions (closing inherited descriptors in children).
        .systemLibrary(name: "CSpawn", path: "Host/CSpawn"),
        .systemLibrary(
            name: "CArchive",
            path: "Host/CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            path: "Host/CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "MarketCore",
            // The ABI's constants (HostABI) come from the C header and the SDK.
            dependencies: ["CSpawn", "JSONScanning", "MarketPluginAPI", "PluginKit", .product(name: "NIOPosix", package: "swift-nio")],
            path: "Host/Core",
            swiftSettings: strictSettings
        ),
        // The host's one HTTP client (libcurl): the runtime's market.http/1, the Bot API, the registry.
        .target(
            name: "MarketHTTP",
            dependencies: ["MarketCore", "CCurl"],
            path: "Host/HTTP",
            swiftSettings: strictSettings
        ),
        .target(
            name: "PluginRuntime",
            dependencies: [
                "MarketCore", "MarketPluginAPI", "PluginKit", "MarketHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Host/Runtime",
            swiftSettings: strictSettings
        ),
        // The signed registry, packages, the resolver and the installer.
        .target(
            name: "MarketRegistry",
            dependencies: [
                "MarketCore", "CArchive", "MarketHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Host/Registry",
            swiftSettings: strictSettings
        ),
        // PostgreSQL through libpq: pool, migrations, the private cluster.
        .target(
            name: "MarketStore",
            dependencies: [
                // MarketHTTP: OAuth2 token requests of connections.
                "MarketCore", "CLibPQ", "MarketHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Host/Store",
            // The SQL files are compiled in as Swift source by the EmbedMigrations plugin.
            exclude: ["Migrations"],
            swiftSettings: strictSettings,
            plugins: ["EmbedMigrations"]
        ),
        // The one owner of plugin identity: which plugins exist, where their folders are, which
        // library is loaded, and which instance serves a (tenant, plugin).
        .target(
            name: "PluginHosting",
            dependencies: [
                // PluginKit: the ABI's status codes, to tell a plugin's refusal of a target's settings.
                "MarketCore", "PluginKit", "PluginRuntime", "MarketStore", "MarketRegistry",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Host/Hosting",
            swiftSettings: strictSettings
        ),
        // Build-time tools: Migrations/*.sql become Swift source of MarketStore.
        .executableTarget(
            name: "MigrationEmbedder",
            path: "Host/Build/MigrationEmbedder",
            swiftSettings: baseSettings
        ),
        .plugin(
            name: "EmbedMigrations",
            capability: .buildTool(),
            dependencies: ["MigrationEmbedder"],
            path: "Host/Build/EmbedMigrations"
        ),
        // The Telegram channel: Bot API client, reply pacing and rendering, webhook inbox, long polling.
        .target(
            name: "TelegramChannel",
            dependencies: [
                "MarketCore", "MarketStore", "MarketHTTP",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Host/Telegram",
            swiftSettings: strictSettings
        ),
        // The conversation engine: history, tools, slash commands, A/B experiments of models.
        .target(
            name: "MarketBot",
            dependencies: [
                "MarketCore", "PluginRuntime", "MarketStore", "PluginHosting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            path: "Host/Bot",
            swiftSettings: strictSettings
        ),
        // The HTTP server: routes, problem details, request ids, metrics, readiness.
        .target(
            name: "MarketServer",
            dependencies: [
                "MarketCore", "PluginRuntime", "MarketStore", "PluginHosting",
                // The admin API's plugin changes answer the registry's errors.
                "MarketRegistry",
                // The chat API and the Telegram webhook join the engine to its channels.
                "MarketBot", "TelegramChannel",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Host/Server",
            swiftSettings: strictSettings
        ),
        .target(
            name: "MarketCLI",
            dependencies: [
                "MarketCore", "MarketHTTP", "PluginRuntime", "MarketRegistry", "MarketStore", "PluginHosting", "MarketBot", "MarketServer",
                "TelegramChannel",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Host/CLI",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "market",
            dependencies: [
                "MarketCLI", "MarketCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Host/market",
            swiftSettings: strictSettings
        ),

        // First-party Swift plugin, built as a shared library and loaded with dlopen.
        .target(
            name: "NotesPlugin",
            dependencies: ["PluginKit"],
            path: "Plugins/notes/Sources",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(pluginExports)"])]
        ),

        .target(
            name: "OpenAIPlugin",
            dependencies: ["PluginKit", "ModelProviderKit"],
            path: "Plugins/openai/Sources",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(pluginExports)"])]
        ),
        .target(
            name: "AnthropicPlugin",
            dependencies: ["PluginKit", "ModelProviderKit"],
            path: "Plugins/anthropic/Sources",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(pluginExports)"])]
        ),

        .target(
            name: "MCPPlugin",
            dependencies: ["PluginKit"],
            path: "Plugins/mcp/Sources",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(pluginExports)"])]
        ),

        // Standard Webhooks out (market.targets/1) and in (market.ingress/1).
        .target(
            name: "WebhooksPlugin",
            dependencies: ["PluginKit", "JSONScanning", .product(name: "Crypto", package: "swift-crypto")],
            path: "Plugins/webhooks/Sources",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(pluginExports)"])]
        ),

        // Analytics to Amplitude's HTTP V2 API (market.event-batches/1).
        .target(
            name: "AmplitudePlugin",
            dependencies: ["PluginKit"],
            path: "Plugins/amplitude/Sources",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(pluginExports)"])]
        ),

        // The built-in CRM on market.documents/1 (docs/crm.md).
        .target(
            name: "CRMPlugin",
            dependencies: ["PluginKit", "CRMKit"],
            path: "Plugins/crm/Sources",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(pluginExports)"])]
        ),

        // amoCRM (Kommo) API v4 behind the CRM tool contract (docs/crm.md).
        .target(
            name: "AmoCRMPlugin",
            dependencies: ["PluginKit", "CRMKit"],
            path: "Plugins/amocrm/Sources",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(pluginExports)"])]
        ),

        // Bitrix24's REST API behind the CRM tool contract (docs/crm.md).
        .target(
            name: "Bitrix24Plugin",
            dependencies: ["PluginKit", "CRMKit"],
            path: "Plugins/bitrix24/Sources",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(pluginExports)"])]
        ),

        // HubSpot's CRM v3 API behind the CRM tool contract (docs/crm.md).
        .target(
            name: "HubSpotPlugin",
            dependencies: ["PluginKit", "CRMKit", .product(name: "Crypto", package: "swift-crypto")],
            path: "Plugins/hubspot/Sources",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(pluginExports)"])]
        ),

        // A Swift plugin the runtime tests load to exercise all of PluginKit.
        .target(
            name: "PluginKitProbe",
            dependencies: ["PluginKit"],
            path: "Tests/Fixtures/PluginKitProbe",
            swiftSettings: strictSettings,
            linkerSettings: [.unsafeFlags(["-Xlinker", "--version-script=\(pluginExports)"])]
        ),

        // Helpers shared by the test targets: child processes, temporary folders.
        .target(
            name: "MarketTestSupport",
            dependencies: ["MarketCore", .product(name: "Logging", package: "swift-log")],
            path: "Tests/Support",
            swiftSettings: strictSettings
        ),
        // Fuzz harnesses (scripts/fuzz.sh builds them with libFuzzer; a plain build makes each
        // a replay tool that runs the harness over files, as FuzzCorpusTests does).
        .target(name: "FuzzSupport", path: "Tests/Fuzz/Support", swiftSettings: strictSettings),
        .executableTarget(name: "FuzzManifest", dependencies: ["FuzzSupport", "MarketCore"], path: "Tests/Fuzz/FuzzManifest", swiftSettings: strictSettings,
                          linkerSettings: fuzzHarnessLinking),
        .executableTarget(name: "FuzzRegistryMetadata", dependencies: ["FuzzSupport", "MarketCore", "MarketRegistry"], path: "Tests/Fuzz/FuzzRegistryMetadata", swiftSettings: strictSettings,
                          linkerSettings: fuzzHarnessLinking),
        .executableTarget(name: "FuzzPackageArchive", dependencies: ["FuzzSupport", "MarketRegistry"], path: "Tests/Fuzz/FuzzPackageArchive", swiftSettings: strictSettings,
                          linkerSettings: fuzzHarnessLinking),
        .executableTarget(name: "FuzzTelegramUpdate", dependencies: ["FuzzSupport", "TelegramChannel"], path: "Tests/Fuzz/FuzzTelegramUpdate", swiftSettings: strictSettings,
                          linkerSettings: fuzzHarnessLinking),
        .executableTarget(name: "FuzzServerSentEvents", dependencies: ["FuzzSupport", "ModelProviderKit"], path: "Tests/Fuzz/FuzzServerSentEvents", swiftSettings: strictSettings,
                          linkerSettings: fuzzHarnessLinking),
        // For the test targets that need PostgreSQL: a private cluster per suite, fresh databases.
        .target(
            name: "StoreTestSupport",
            dependencies: [
                "MarketStore", "MarketTestSupport",
                // To write bot tokens as the Telegram channel's old box sealed them.
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/StoreSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CoreTests",
            dependencies: ["JSONScanning", "MarketCore", "MarketTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            path: "Tests/CoreTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "HTTPTests",
            dependencies: [
                "MarketHTTP", "MarketCore",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/HTTPTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ModelProviderKitTests",
            dependencies: ["ModelProviderKit", "JSONScanning"],
            path: "Tests/ModelProviderKitTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RuntimeTests",
            dependencies: [
                "PluginRuntime", "MarketCore", "MarketHTTP", "PluginKit", "CRMKit", "MarketTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                // The crm plugin's tests run on PostgreSQL's market.documents/1.
                "MarketStore", "StoreTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            path: "Tests/RuntimeTests",
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "RegistryTests",
            dependencies: ["MarketRegistry", "MarketCore", "PluginRuntime", "CArchive", "MarketTestSupport"],
            path: "Tests/RegistryTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StoreTests",
            // The plugin owner's tests run here too: they need the store's cluster and bus fixtures.
            dependencies: ["MarketStore", "PluginHosting", "MarketRegistry", "MarketCore", "PluginRuntime", "MarketTestSupport", "StoreTestSupport",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            path: "Tests/StoreTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "BotTests",
            dependencies: [
                "MarketBot", "MarketStore", "MarketCore", "PluginRuntime", "PluginHosting", "MarketTestSupport", "StoreTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            path: "Tests/BotTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TelegramTests",
            dependencies: [
                "TelegramChannel", "MarketStore", "MarketCore", "MarketTestSupport", "StoreTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            path: "Tests/TelegramTests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["MarketCLI", "MarketCore", "MarketHTTP", "MarketTestSupport", "TelegramChannel",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Tests/CLITests",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "MarketServer", "MarketStore", "MarketCore", "PluginRuntime", "PluginHosting", "MarketTestSupport", "StoreTestSupport", "MarketBot", "TelegramChannel",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Tests/ServerTests",
            swiftSettings: strictSettings
        ),
    ]
)
