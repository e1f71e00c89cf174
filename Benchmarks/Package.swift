// swift-tools-version:6.1
import PackageDescription

// Benchmarks live in a package of their own so the host's build and CI do not compile the
// benchmark harness. Run them with `swift package benchmark` in this folder, after
// `scripts/build-plugins.sh release` in the repository root.
/// SwiftPM names a path dependency after its folder, which is wherever the repository was cloned.
let host = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "market").lowercased()

let package = Package(
    name: "market-benchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        // The Bot API fake of the Telegram benchmark.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // The loopback HTTP load client the Server and TelegramWebhook benchmarks share.
        .target(name: "LoopbackLoad", path: "Benchmarks/LoopbackLoad"),
        // CPU and memory of processes from /proc, and where benchmarks write the figures they print.
        .target(name: "BenchmarkStats", path: "Benchmarks/BenchmarkStats"),
        // A folder served on loopback by Python's http.server: the registry of the registry benchmarks.
        .target(name: "LoopbackSite", path: "Benchmarks/LoopbackSite"),
        .executableTarget(
            name: "PluginCalls",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketRuntime", package: host),
            ],
            path: "Benchmarks/PluginCalls",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // What the plugin owner (PluginHost, ServingInstance) adds to a tool call; needs
        // PostgreSQL (a private cluster) and the built plugins.
        .executableTarget(
            name: "PluginOwner",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketRuntime", package: host),
                .product(name: "MarketServer", package: host),
                .product(name: "MarketStore", package: host),
            ],
            path: "Benchmarks/PluginOwner",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A crm tool call through the host on PostgreSQL's market.documents/1; needs a private
        // cluster and the built plugins.
        .executableTarget(
            name: "CRMCalls",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketRuntime", package: host),
                .product(name: "MarketStore", package: host),
            ],
            path: "Benchmarks/CRMCalls",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The cloud CRM plugins against their loopback fakes: what an amocrm tool call adds to the request,
        // and 1,000-call bursts under amoCRM's, Bitrix24's and HubSpot's rate limits. Needs the built plugins.
        .executableTarget(
            name: "CloudCRMCalls",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketRuntime", package: host),
            ],
            path: "Benchmarks/CloudCRMCalls",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Providers",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketRuntime", package: host),
            ],
            path: "Benchmarks/Providers",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Server",
            dependencies: [
                "LoopbackLoad",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketServer", package: host),
                .product(name: "MarketStore", package: host),
            ],
            path: "Benchmarks/Server",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // `market analytics`'s query over a year of one tenant's events; needs PostgreSQL (a private cluster).
        .executableTarget(
            name: "Analytics",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketStore", package: host),
            ],
            path: "Benchmarks/Analytics",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "EventBus",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketRuntime", package: host),
                .product(name: "MarketStore", package: host),
            ],
            path: "Benchmarks/EventBus",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The Telegram benchmark's load generator and Bot API fake, a process apart from the host.
        // Outside Benchmarks/Benchmarks, where `swift package benchmark` would take it for a benchmark.
        .executableTarget(
            name: "TelegramLoad",
            dependencies: [
                "LoopbackLoad",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Support/TelegramLoad"
        ),
        // Telegram webhook updates end to end; needs PostgreSQL (a private cluster) and the built
        // plugins. Depending on TelegramLoad builds it too: the benchmark starts it as a child.
        .executableTarget(
            name: "TelegramWebhook",
            dependencies: [
                "TelegramLoad",
                "LoopbackLoad",
                "BenchmarkStats",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketServer", package: host),
                .product(name: "MarketStore", package: host),
                .product(name: "MarketRuntime", package: host),
            ],
            path: "Benchmarks/TelegramWebhook",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Signed webhook deliveries end to end: the release build of the webhooks plugin, loaded
        // through the plugin owner, a DeliveryWorker, a private PostgreSQL and a lean receiver in C
        // (Support/WebhookReceiver, compiled and started by the benchmark as a process apart).
        .executableTarget(
            name: "PostHogSink",
            dependencies: [
                "BenchmarkStats",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketRuntime", package: host),
            ],
            path: "Benchmarks/PostHogSink",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "WebhookDelivery",
            dependencies: [
                "BenchmarkStats",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketServer", package: host),
                .product(name: "MarketStore", package: host),
                .product(name: "MarketRuntime", package: host),
            ],
            path: "Benchmarks/WebhookDelivery",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Two `market serve` replicas (the release build) and a loopback registry: how fast a
        // version change reaches both, and calls failed meanwhile under load.
        .executableTarget(
            name: "PluginConvergence",
            dependencies: [
                "LoopbackLoad",
                "LoopbackSite",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MarketServer", package: host),
                .product(name: "MarketStore", package: host),
            ],
            path: "Benchmarks/PluginConvergence",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Runs the built `market` executable; build it first with
        // `swift build -c release --product market` in the repository root.
        .executableTarget(
            name: "RegistryCommands",
            dependencies: ["LoopbackSite", .product(name: "Benchmark", package: "benchmark")],
            path: "Benchmarks/RegistryCommands",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
