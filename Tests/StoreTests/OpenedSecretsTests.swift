import MarketCore
@testable import PluginHosting
import MarketStore
import Testing

/// The host keeps targets' opened secrets by the sealed bytes they came from: a burst opens
/// them once, and a secret sealed anew (rotated, updated) is never answered from the old one.
@Suite struct OpenedSecretsTests {
    @Test func aTargetsSecretsAreOpenedOnceAndOpenedAgainWhenSealedAnew() throws {
        let box = SecretBox(key: MasterKey.generate())
        let cache = OpenedSecrets()
        let first = try box.seal(#"{"keys":["whsec_one"]}"#, for: .target(tenant: "acme", id: "tgt_1"))
        let target = ClaimedTarget(id: "tgt_1", settingsText: "{}", sealedSecrets: first)
        #expect(try cache.text(of: target, tenant: "acme", box: box) == #"{"keys":["whsec_one"]}"#)
        // Served from the cache: a box under another key could not open it.
        #expect(try cache.text(of: target, tenant: "acme", box: SecretBox(key: MasterKey.generate())) == #"{"keys":["whsec_one"]}"#)
        let rotated = try box.seal(#"{"keys":["whsec_two","whsec_one"]}"#, for: .target(tenant: "acme", id: "tgt_1"))
        #expect(try cache.text(of: ClaimedTarget(id: "tgt_1", settingsText: "{}", sealedSecrets: rotated), tenant: "acme", box: box)
                == #"{"keys":["whsec_two","whsec_one"]}"#)
    }

    @Test func secretsSealedForAnotherTargetOrTenantAreRefused() throws {
        let box = SecretBox(key: MasterKey.generate())
        let sealed = try box.seal(#"{"keys":[]}"#, for: .target(tenant: "acme", id: "tgt_1"))
        for (tenant, id) in [("other", "tgt_1"), ("acme", "tgt_2")] {
            #expect(performing: { try OpenedSecrets().text(of: ClaimedTarget(id: id, settingsText: "{}", sealedSecrets: sealed), tenant: tenant, box: box) },
                    throws: { ($0 as? MarketError)?.code == .secretUnreadable })
        }
    }
}
