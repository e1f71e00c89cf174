import Foundation
import MarketCore

/// A registry served from several places holding the same tree: the first that answers wins.
/// A place that cannot be reached (`FETCH_FAILED`) is skipped for the next; any other answer,
/// `NOT_FOUND` included, is the registry's answer. Every mirror serves files the same signed
/// metadata pins, so a mirror can withhold files but not alter them.
public struct MirroredTransport: RegistryTransport {
    public let transports: [any RegistryTransport]

    public init(_ transports: [any RegistryTransport]) {
        self.transports = transports
    }

    public func fetch(_ path: String, maximumBytes: Int64) async throws -> Data {
        try await fetch(path, maximumBytes: maximumBytes, progress: nil)
    }

    public func fetch(_ path: String, maximumBytes: Int64, progress: (@Sendable (Int64) -> Void)?) async throws -> Data {
        var failure: MarketError?
        for transport in transports {
            do {
                return try await transport.fetch(path, maximumBytes: maximumBytes, progress: progress)
            } catch let error as MarketError where error.code == .fetchFailed {
                failure = error
            }
        }
        throw failure ?? MarketError(.fetchFailed, "the registry has no location to fetch \(path) from", fix: "add the registry again with its URL")
    }
}
