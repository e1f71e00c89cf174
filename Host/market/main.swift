import Foundation
import Logging
import MarketCLI
import MarketCore
import Metrics
import Prometheus

#if canImport(Glibc)
import Glibc
#endif

// Only the executable chooses logging and metrics backends; libraries receive them.
let arguments = CommandLine.arguments.dropFirst()
let serving = arguments.first == "serve"
let requestedLevel = ProcessInfo.processInfo.environment["MARKET_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
if serving {
    // First thing, before threads allocate: a server runs for weeks on many threads (see AllocatorArenas).
    AllocatorArenas.limit(environment: ProcessInfo.processInfo.environment)
    // The server logs to standard output: JSON lines for collectors, text for people at a terminal.
    let terminal = isatty(STDOUT_FILENO) == 1
    LoggingSystem.bootstrap { label in
        if terminal {
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = requestedLevel ?? .info
            return handler
        }
        var handler = JSONLogHandler(label: label)
        handler.logLevel = requestedLevel ?? .info
        return handler
    }
} else {
    // Other commands print their results on standard output; their log stays out of the way.
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = requestedLevel ?? .warning
        return handler
    }
}

let metrics = PrometheusCollectorRegistry()
MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))

await ServeBackends.$metrics.withValue(metrics) {
    await MarketCommand.launch()
}
