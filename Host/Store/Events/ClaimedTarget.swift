import MarketCore

/// The target of a claimed target row, as the claim read it: what the plugin's `deliver` needs,
/// and when the row may start.
public struct ClaimedTarget: Sendable, Equatable {
    /// `tgt_…`.
    public let id: String
    /// The target's public settings, a JSON object as the database wrote it: handed to the
    /// plugin as it is, without being parsed and written again for every delivery.
    public let settingsText: String
    /// The target's secrets, sealed; the plugin owner opens them (`OpenedSecrets`).
    public let sealedSecrets: SecretBox.Sealed
    /// Seconds to wait before delivering: the row's slot under the target's rate limit.
    public let wait: Double

    public init(id: String, settingsText: String, sealedSecrets: SecretBox.Sealed, wait: Double = 0) {
        self.id = id
        self.settingsText = settingsText
        self.sealedSecrets = sealedSecrets
        self.wait = wait
    }
}
