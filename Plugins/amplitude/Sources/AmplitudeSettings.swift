import PluginKit

/// The installation's settings (plugin.json's `config`), checked once when the instance is made.
struct AmplitudeSettings {
    /// Amplitude's limit per request; more is answered 413.
    static let maximumBatchSize = 2000
    /// Amplitude's limit per request body, in bytes; more is answered 413.
    static let maximumRequestBytes = 20 * 1024 * 1024

    let uploadURL: String
    let batchSize: Int
    let timeoutMilliseconds: UInt32

    private struct Fields: Decodable {
        let host: String?
        let batch_size: Int?
        let timeout_ms: Int?
    }

    init(_ config: PluginConfig) throws {
        let fields = try config.decode(Fields.self)
        let host = fields.host ?? "https://api2.amplitude.com"
        guard host.hasPrefix("https://") || host.hasPrefix("http://") else {
            throw PluginError(.invalidArgument, "host is '\(host)', not an http(s) URL: use https://api2.amplitude.com or https://api.eu.amplitude.com")
        }
        let batchSize = fields.batch_size ?? 100
        guard (1...Self.maximumBatchSize).contains(batchSize) else {
            throw PluginError(.invalidArgument, "batch_size is \(batchSize): use 1 to \(Self.maximumBatchSize) (Amplitude's limit per request)")
        }
        let timeout = fields.timeout_ms ?? 10_000
        guard (100...120_000).contains(timeout) else {
            throw PluginError(.invalidArgument, "timeout_ms is \(timeout): use 100 to 120000")
        }
        var root = Substring(host)
        while root.hasSuffix("/") { root = root.dropLast() }
        uploadURL = root + "/2/httpapi"
        self.batchSize = batchSize
        timeoutMilliseconds = UInt32(timeout)
    }
}
