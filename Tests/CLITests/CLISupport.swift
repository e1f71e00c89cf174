import Foundation
import MarketTestSupport
import Testing

/// Runs the built `market` executable as a user would.
enum MarketBinary {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let builtPlugins = packageRoot.appendingPathComponent(".build/market-plugins")

    /// The `market` executable beside the test bundle (SwiftPM builds both into one folder).
    static var path: String { buildProductsDirectory.appendingPathComponent("market").path }

    @discardableResult
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) async throws -> ProcessOutput {
        try await runProcess(path, arguments, in: directory, environment: environment)
    }
}
