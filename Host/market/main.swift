import Foundation
import Logging
import MarketCLI

// Only the executable chooses logging backends; libraries receive a Logger.
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    let level = ProcessInfo.processInfo.environment["MARKET_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
    handler.logLevel = level ?? .warning
    return handler
}

await MarketCommand.launch()
