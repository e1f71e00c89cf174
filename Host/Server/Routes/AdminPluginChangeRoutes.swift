import Foundation
import HTTPTypes
import Hummingbird
import MarketCore
import MarketRegistry
import MarketStore
import PluginHosting

/// Changes of the desired plugin state (admins): install, update, rollback and uninstall, as
/// `market install|update|rollback|uninstall --database` make them (`DesiredChanges` decides for
/// both). A change is recorded with its audit entry and answered 202 at once; every server
/// converges on its own (GET /v1/admin/plugins/{plugin} shows how far). `If-Match` names the
/// generation the change is for; a lost race is `PLUGIN_CHANGE_CONFLICT`. A version whose
/// permissions differ from the consented ones is refused with `PERMISSIONS_CHANGED`, carrying the
/// difference and the `consent` to send back: consent is an explicit second request.
struct AdminPluginChangeRoutes: RouteGroup {
    let desired: DesiredPlugins
    /// Where versions are resolved from; nil on a server that reads no registry.
    let registries: RegistryAccess?

    /// What the client consents to: one version declaring one permissions hash.
    struct Consent: Equatable {
        let version: String
        let permissions: String
    }

    func register(on routes: RouteRegistrar) {
        routes.on(.post, "/v1/admin/plugins/{plugin}/install", access: .authenticated) { request, context in
            let (principal, id) = try AdminPluginInput.scope(context, to: "install plugins")
            let body = try await RequestInput.object(request, context: context, allowed: ["range", "consent"], required: false)
            let range = try RequestInput.string(body, "range", maxLength: 200)
            let consent = try Self.consent(body)
            let expected = try AdminPluginInput.ifMatch(request)
            let wanted = try await resolve(id, range: range)
            return try await change(id, action: "plugin.install", expecting: expected, by: principal) { current in
                try await DesiredChanges.install(wanted, over: current, consent: asking(id, generation: current?.generation ?? 0, given: consent))
            }
        }
        routes.on(.post, "/v1/admin/plugins/{plugin}/update", access: .authenticated) { request, context in
            let (principal, id) = try AdminPluginInput.scope(context, to: "update plugins")
            let body = try await RequestInput.object(request, context: context, allowed: ["consent"], required: false)
            let consent = try Self.consent(body)
            let expected = try AdminPluginInput.ifMatch(request)
            let registries = try requireRegistries()
            return try await change(id, action: "plugin.update", expecting: expected, by: principal) { current in
                try await DesiredChanges.update(over: current, resolve: { installed in
                    try await Self.fitting(id) { try await registries.desiredUpdate(id, of: installed) }
                }, consent: asking(id, generation: current?.generation ?? 0, given: consent))
            }
        }
        routes.on(.post, "/v1/admin/plugins/{plugin}/rollback", access: .authenticated) { request, context in
            let (principal, id) = try AdminPluginInput.scope(context, to: "roll plugins back")
            _ = try await RequestInput.object(request, context: context, allowed: [], required: false)
            let expected = try AdminPluginInput.ifMatch(request)
            return try await change(id, action: "plugin.rollback", expecting: expected, by: principal) { try DesiredChanges.rollback(over: $0) }
        }
        routes.on(.delete, "/v1/admin/plugins/{plugin}", access: .authenticated) { request, context in
            let (principal, id) = try AdminPluginInput.scope(context, to: "uninstall plugins")
            let expected = try AdminPluginInput.ifMatch(request)
            return try await change(id, action: "plugin.uninstall", expecting: expected, by: principal) { try DesiredChanges.uninstall(over: $0) }
        }
    }

    /// Records what `decide` chooses: 202 with the new state, or 200 with the state as it is
    /// when it is the desired one already (a repeated request changes nothing).
    private func change(_ id: String, action: String, expecting expected: Int64?, by principal: Principal,
                        decide: (DesiredPlugin?) async throws -> DesiredChanges.Decision?) async throws -> Response {
        let outcome: DesiredChanges.Outcome
        do {
            outcome = try await DesiredChanges.record(desired, id, action: action, expecting: expected, by: principal, decide: decide)
        } catch DesiredChanges.Refusal.notDesired {
            throw Problem(.notInstalled, "\(id) is not in the desired state",
                          fix: "install it with POST /v1/admin/plugins/\(id)/install; GET /v1/admin/plugins lists the desired plugins")
        } catch DesiredChanges.Refusal.noEarlierVersion {
            throw Problem(.noEarlierVersion, "no earlier desired version of \(id) is recorded to roll back to",
                          fix: "install the version you want with POST /v1/admin/plugins/\(id)/install and {\"range\": \"1.2.3\"}")
        }
        // Nothing to change is still an answer to a stale If-Match: the client's view is out of date.
        if !outcome.recorded, let expected, expected != outcome.generation {
            throw Problem(.pluginChangeConflict, "another change to \(id) was recorded first (this one expected generation \(expected))",
                          fix: "read the plugin's desired state again (GET /v1/admin/plugins/\(id)) and repeat the change if it is still wanted")
        }
        return try await AdminPluginInput.response(desired, id, status: outcome.recorded ? .accepted : .ok)
    }

    /// The target installing `id` in `range` records, from the first registry that lists it.
    /// A server that can install nothing says so before it judges the range.
    private func resolve(_ id: String, range text: String?) async throws -> DesiredPlugin.Target {
        let registries = try requireRegistries()
        do {
            _ = try registries.targets()
        } catch let error as MarketError where error.code == .notFound {
            throw Self.noRegistry
        }
        let range = try text.map { try VersionRange($0) }
        let found: (target: RegistryAccess.Target, client: RegistryClient, verified: RegistryClient.Verified)
        do {
            found = try await registries.registry(having: id)
        } catch let error as MarketError where error.code == .notFound {
            throw Problem(.pluginUnknown, "no registry this server reads lists a plugin '\(id)'",
                          fix: "check the id; `market search` shows what the registries list, `market registry list --state-dir DIR` which ones a server reads")
        }
        return try await Self.fitting(id) {
            try await RegistryAccess.desiredTarget(id, range: range, client: found.client, verified: found.verified, registry: found.target.recorded)
        }
    }

    /// Runs a resolution whose `NOT_FOUND` means no version fits.
    private static func fitting(_ id: String, _ body: () async throws -> DesiredPlugin.Target) async throws -> DesiredPlugin.Target {
        do {
            return try await body()
        } catch let error as MarketError where error.code == .notFound {
            throw Problem(.noFittingVersion, error.message,
                          fix: "ask for a range a released, unyanked version is in (`market info \(id)` lists them), or publish one")
        }
    }

    private func requireRegistries() throws -> RegistryAccess {
        guard let registries else { throw Self.noRegistry }
        return registries
    }

    private static let noRegistry = Problem(.registryNotConfigured, "this server reads no registry to resolve plugin versions from",
                                            fix: "add one to every server's state folder: market registry add NAME URL --root root.json --state-dir DIR")

    /// Consent to a change of permissions: given when `given` names the very version and
    /// permissions; otherwise the change is refused with what it would change and the consent
    /// to send back.
    private func asking(_ id: String, generation: Int64, given: Consent?) -> DesiredChanges.Consent {
        { current, new in
            if given == Consent(version: new.version, permissions: new.permissions) { return }
            let change = try await requireRegistries().permissionChange(id, from: current, to: new)
            var problem = Problem(.permissionsChanged, "\(id) \(new.version) declares other permissions than \(current.version), whose permissions were consented to",
                                  fix: "review `permissions` (added, removed), then send the same request again with this answer's `consent` as the body's `consent` member")
            problem.extensions = [
                "permissions": .object(["from": .string(current.version), "to": .string(new.version),
                                        "added": .array(change.added.map(JSONValue.string)), "removed": .array(change.removed.map(JSONValue.string))]),
                "consent": .object(["version": .string(new.version), "permissions": .string(new.permissions)]),
                "generation": .integer(generation),
            ]
            throw problem
        }
    }

    /// The body's `consent` member: `{"version": "1.1.0", "permissions": "<sha-256>"}`.
    private static func consent(_ body: [String: JSONValue]) throws -> Consent? {
        guard let member = body["consent"] else { return nil }
        guard case .object(let fields) = member, fields.count == 2, case .string(let version)? = fields["version"],
              case .string(let permissions)? = fields["permissions"] else {
            throw Problem(.badRequest, "'consent' must be {\"version\": \"…\", \"permissions\": \"…\"}",
                          fix: "send back the `consent` member of the PERMISSIONS_CHANGED answer unchanged")
        }
        return Consent(version: version, permissions: permissions)
    }
}
