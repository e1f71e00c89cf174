import Foundation
import MarketCore

/// A registry served from several places holding the same tree: the first that answers wins.
/// A place that cannot be reached (`FETCH_FAILED`, or also `NOT_FOUND` for partial copies such
/// as offline mirrors and caches) is skipped for the next; any other answer is the registry's. Every mirror serves files the same signed
/// metadata pins, so a mirror can withhold files but not alter them.
public struct MirroredTransport: RegistryTransport {
    public let transports: [any RegistryTransport]
    /// The errors after which the next place is tried.
    public let skipping: Set<MarketError.Code>

    public init(_ transports: [any RegistryTransport], skipping: Set<MarketError.Code> = [.fetchFailed]) {
        self.transports = transports
        self.skipping = skipping
    }

    public func fetch(_ path: String, maximumBytes: Int64) async throws -> Data {
        try await fetch(path, maximumBytes: maximumBytes, progress: nil)
    }

    public func fetch(_ path: String, maximumBytes: Int64, progress: (@Sendable (Int64) -> Void)?) async throws -> Data {
        var failure: MarketError?
        for (position, transport) in transports.enumerated() {
            do {
                return try await transport.fetch(path, maximumBytes: maximumBytes, progress: progress)
            } catch let error as MarketError where skipping.contains(error.code) && position < transports.count - 1 {
                failure = error
            }
        }
        throw failure ?? MarketError(.fetchFailed, "the registry has no location to fetch \(path) from", fix: "add the registry again with its URL")
    }
}
