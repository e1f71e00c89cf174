import Foundation
import MarketCore
import MarketStore
import MarketTestSupport
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// Inbound hook ids: one per installation of a plugin with permissions.ingress, made when it
    /// is enabled, found by id for routing, rotated, scoped to the tenant, gone with the tenant.
    @Suite struct PluginHookTests {
        @Test func enablingMakesTheHookAndRotationReplacesIt() async throws {
            let fixture = try await TenantFixture.make()
            let store = fixture.store
            try await store.createTenant("acme", by: fixture.admin)
            try await store.createTenant("other", by: fixture.admin)
            try await store.enable("webhooks", tenant: "acme", by: fixture.admin)
            try await store.configure("crm", tenant: "acme", with: .object(["workspace": .string("ws"), "api_token": .string("token-12345")]),
                                      by: fixture.admin)
            let made = try await fixture.sql("SELECT plugin_id, hook_id FROM plugin_hooks WHERE tenant_id = 'acme'")
            #expect(made.count == 1 && made.first?.first == "webhooks", "enabling made the hook: \(made)")

            let hooks = try await store.hooks(tenant: "acme", by: fixture.admin)
            #expect(hooks.map(\.pluginID) == ["webhooks"], "crm takes no inbound HTTP")
            let hook = try #require(hooks.first)
            #expect(PluginHook.isHookID(hook.id) && hook.id == made.first?.last && hook.enabled && hook.rotatedAt == nil)
            #expect(try await store.hook(id: hook.id) == hook)
            try await store.enable("webhooks", tenant: "acme", by: fixture.admin)
            #expect(try await store.hooks(tenant: "acme", by: fixture.admin) == [hook], "enabling again keeps the id")

            let rotated = try await store.rotateHook("webhooks", tenant: "acme", by: .tenant("acme", actor: "token:tok_1"))
            #expect(rotated.id != hook.id && PluginHook.isHookID(rotated.id) && rotated.rotatedAt != nil)
            #expect(try await store.hook(id: hook.id) == nil, "the old id no longer resolves")
            #expect(try await store.hook(id: rotated.id)?.tenantID == "acme")
            let audit = try await fixture.sql("SELECT action, target, actor FROM audit_log WHERE action = 'hook.rotate'")
            #expect(audit == [["hook.rotate", "plugin:webhooks", "token:tok_1"]])

            #expect(await marketError { try await store.rotateHook("crm", tenant: "acme", by: fixture.admin) }?.code == .hookNotSupported)
            #expect(await marketError { try await store.rotateHook("webhooks", tenant: "other", by: fixture.admin) }?.code == .hookNotSupported)
            #expect(await marketError { try await store.hooks(tenant: "acme", by: .tenant("other", actor: "token:tok_2")) }?.code == .accessDenied)
            #expect(await marketError { try await store.rotateHook("webhooks", tenant: "acme", by: .tenant("other", actor: "token:tok_2")) }?.code == .accessDenied)
            #expect(try await store.hook(id: "not-a-hook") == nil)

            try await store.disable("webhooks", tenant: "acme", by: fixture.admin)
            #expect(try await store.hook(id: rotated.id)?.enabled == false)
            try await fixture.sql("DELETE FROM tenants WHERE id = 'acme'")
            #expect(try await fixture.sql("SELECT hook_id FROM plugin_hooks").isEmpty, "the hook goes with its tenant")
            await fixture.close()
        }
    }
}
