import Foundation
import PluginKit

/// `prepare` for one endpoint: checks the owner's settings and makes, keeps or rotates its
/// signing secrets. Expired previous secrets are dropped every time.
struct EndpointPreparation {
    let request: TargetRequest

    init(_ request: TargetRequest) {
        self.request = request
    }

    /// One day, when the host gives no overlap for a rotation.
    static let defaultOverlapSeconds = 86_400

    func prepared() throws -> PreparedTarget {
        let now = request.now
        let current = try request.currentSettings.map { try decode(EndpointSettings.self, $0, "current.settings") }
        let currentSecrets = try request.currentSecrets.flatMap { bytes -> SigningSecrets? in
            // A target stored before it had secrets answers {}: there is nothing to keep.
            bytes == Array("{}".utf8) ? nil : try decode(SigningSecrets.self, bytes, "current.secrets")
        }
        let patch = try SettingsPatch.read(request.action == .rotateSecret ? nil : request.settings)
        if request.action != .create, current == nil {
            throw PluginError(.invalidArgument, "current.settings is missing: \(request.action.rawValue) needs the stored endpoint")
        }
        var settings = try EndpointSettings(validating: patch, over: request.action == .create ? nil : current)
        let asymmetric = settings.isAsymmetric
        let keptKind = currentSecrets.map { SigningSecrets.privateKey($0.secret) != nil } == asymmetric

        var secrets: SigningSecrets
        switch (request.action, patch.secret) {
        case (.rotateSecret, _):
            guard let currentSecrets, keptKind else { throw PluginError(.invalidArgument, "the endpoint has no secret to rotate") }
            let overlap = request.overlapSeconds ?? Self.defaultOverlapSeconds
            guard overlap >= 0 else { throw PluginError(.invalidArgument, "overlap_seconds is negative: give 0 or more seconds") }
            var previous = currentSecrets.previous
            if overlap > 0 { previous.insert(.init(secret: currentSecrets.secret, expiresAt: now.addingTimeInterval(Double(overlap))), at: 0) }
            secrets = SigningSecrets(secret: Self.newSecret(asymmetric: asymmetric), previous: previous)
        case (_, .set(let given)):
            guard !asymmetric else {
                throw invalid("secret", "cannot be given for an asymmetric endpoint", "leave it out: the plugin makes the Ed25519 key pair")
            }
            guard SigningSecrets.symmetricKey(given) != nil else {
                throw invalid("secret", "is not whsec_ followed by the base64 of 24 to 64 bytes", "leave it out to have one made, or give such a secret")
            }
            // The owner's secret replaces the current one at once; use rotate_secret for an overlap.
            secrets = SigningSecrets(secret: given, previous: keptKind ? currentSecrets?.previous ?? [] : [])
        default:
            // A change between HMAC and Ed25519 makes a new secret of the new kind: the old
            // one could not verify the new scheme's signatures anyway.
            if let currentSecrets, keptKind, request.action != .create {
                secrets = currentSecrets
            } else {
                secrets = SigningSecrets(secret: Self.newSecret(asymmetric: asymmetric))
            }
        }
        secrets = secrets.pruned(at: now)
        settings.public_key = asymmetric ? SigningSecrets.publicKey(of: secrets.secret) : nil
        return try PreparedTarget(encoding: settings, secrets: secrets)
    }

    static func newSecret(asymmetric: Bool) -> String {
        asymmetric ? SigningSecrets.makeAsymmetric().secret : SigningSecrets.makeSymmetric()
    }

    private func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ what: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw PluginError(.invalidArgument, "\(what) is not what this plugin stored: \(error)")
        }
    }
}
