import Foundation
import MarketCore
import MarketRegistry
import MarketStore
import PluginHosting
import PluginRuntime
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// The desired plugin state: generations, the conflict rule, the audit entry and the NOTIFY
    /// that commit with a change, and the node ids servers report under.
    @Suite struct DesiredPluginsTests {
        static func target(_ version: String) -> DesiredPlugin.Target {
            DesiredPlugin.Target(version: version, range: "^1.0", registry: "main", artifacts: ["linux-x86_64": String(repeating: "a", count: 64)],
                                 permissions: String(repeating: "b", count: 64))
        }

        @Test func concurrentChangesFromOneGenerationRecordOneAndRefuseTheOtherWithAConflict() async throws {
            let url = try await freshDatabase(migrated: true)
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 4), logger: quietLogger)
            pool.start()
            let store = DesiredPlugins(pool: pool)
            let listener = try await NotificationListener.start(connectionString: url, channels: [DesiredPlugins.channel], logger: quietLogger)
            #expect(try await store.change("textkit", to: Self.target("1.0.0"), previous: nil, expecting: 0, action: "plugin.install", by: .system) == 1)

            // Eight writers, all from generation 1: exactly one records its version.
            let outcomes = await withTaskGroup(of: Result<Int64, any Error>.self) { group in
                for patch in 1...8 {
                    group.addTask {
                        do {
                            return .success(try await store.change("textkit", to: Self.target("1.0.\(patch)"), previous: Self.target("1.0.0"), expecting: 1,
                                                                   action: "plugin.update", by: .admin(actor: "cli:op\(patch)")))
                        } catch {
                            return .failure(error)
                        }
                    }
                }
                var all: [Result<Int64, any Error>] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            #expect(outcomes.compactMap { try? $0.get() } == [2])
            let codes = outcomes.compactMap { outcome -> MarketError.Code? in
                if case .failure(let error) = outcome { return (error as? MarketError)?.code } else { return nil }
            }
            #expect(codes == Array(repeating: .pluginChangeConflict, count: 7))
            let desired = try #require(try await store.desired("textkit"))
            #expect(desired.generation == 2 && desired.previous == Self.target("1.0.0"))
            let audit = try await pool.query("SELECT action, actor FROM audit_log ORDER BY id")
            #expect(audit.count == 2, "one audit entry per recorded change, none for the refused ones")
            #expect(try audit.last?.decode("actor", as: String.self) == "cli:op\(desired.target?.version.split(separator: ".").last ?? "")")

            // A first install of a plugin already recorded conflicts too; uninstalling keeps the row.
            do {
                try await store.change("textkit", to: Self.target("1.0.0"), previous: nil, expecting: 0, action: "plugin.install", by: .system)
                Issue.record("a first install of a recorded plugin was accepted")
            } catch let error as MarketError {
                #expect(error.code == .pluginChangeConflict)
            }
            #expect(try await store.change("textkit", to: nil, previous: desired.target, expecting: 2, action: "plugin.uninstall", by: .system) == 3)
            #expect(try await store.desired("textkit")?.target == nil)

            // Each recorded change notified the servers, after it committed.
            var iterator = listener.notifications.makeAsyncIterator()
            for _ in 0..<3 { #expect(await iterator.next()?.payload == "textkit") }
            listener.stop()
            await pool.shutdown()
        }

        @Test func aNodeReportsAndCountsAsLiveOnceSeen() async throws {
            let url = try await freshDatabase(migrated: true)
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let store = DesiredPlugins(pool: pool)
            try await store.heartbeat(node: "web-1", hostName: "h")
            try await store.report(NodeState(nodeID: "web-1", pluginID: "textkit", generation: 3, wantedVersion: "1.0.1", runningVersion: "1.0.0",
                                             lastError: "FETCH_FAILED: unreachable", attempts: 2))
            #expect(try await store.liveNodes(within: .seconds(90)) == ["web-1"])
            let state = try #require(try await store.states(of: "textkit").first)
            #expect(state.runningVersion == "1.0.0" && state.lastError == "FETCH_FAILED: unreachable" && state.attempts == 2)
            #expect(!state.converged(at: 3))
            await pool.shutdown()
        }

        /// What a heartbeat answers is what `market.cluster/1` tells plugins: the replicas seen
        /// within the window, itself included, not one that stopped beating.
        @Test func aHeartbeatCountsTheReplicasSeenWithinTheWindow() async throws {
            let url = try await freshDatabase(migrated: true)
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let store = DesiredPlugins(pool: pool)
            #expect(try await store.heartbeat(node: "web-1", hostName: "a") == 1)
            #expect(try await store.heartbeat(node: "web-2", hostName: "b") == 2)
            _ = try await pool.query("UPDATE plugin_nodes SET seen_at = now() - interval '2 minutes' WHERE node_id = 'web-1'", [])
            #expect(try await store.heartbeat(node: "web-2", hostName: "b", live: .seconds(90)) == 1, "web-1 stopped beating")
            #expect(try await store.heartbeat(node: "web-1", hostName: "a") == 2, "and counts again once it beats")
            await pool.shutdown()
        }

        /// Each pass of a replica's reconciler is its heartbeat, and tells its plugins
        /// (`market.cluster/1`) how many replicas beat with it.
        @Test func aReconcilerPassTellsPluginsHowManyReplicasAreLive() async throws {
            struct NoRegistry: Error {}
            let url = try await freshDatabase(migrated: true)
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 2), logger: quietLogger)
            pool.start()
            let store = DesiredPlugins(pool: pool)
            try await store.heartbeat(node: "web-2", hostName: "b")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reconciler-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let runtime = PluginRuntime(services: HostServices(logger: quietLogger))
            let host = PluginHost(runtime: runtime, folders: PluginFolders(stateDirectory: folder, developmentFolders: []), logger: quietLogger)
            let reconciler = PluginReconciler(nodeID: "web-1", desired: store, connectionString: url, installer: Installer(folder: folder, probe: { _ in }),
                                              clients: { _ in throw NoRegistry() }, host: host, logger: quietLogger)
            #expect(runtime.services.replicas.current == 1)
            await reconciler.reconcile()
            #expect(runtime.services.replicas.current == 2)
            await runtime.shutdown()
            await pool.shutdown()
        }

        @Test func theNodeIDIsStablePerStateFolderAndCanBeNamed() throws {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("node-id-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            let made = try NodeIdentity.resolve(stateDirectory: folder, override: nil)
            #expect(made.hasPrefix("node-") && made.count == 17)
            #expect(try NodeIdentity.resolve(stateDirectory: folder, override: nil) == made, "the same folder, the same id")
            #expect(try NodeIdentity.resolve(stateDirectory: folder, override: "web-1") == "web-1")
            for invalid in ["", "no spaces", String(repeating: "x", count: 65)] {
                do {
                    _ = try NodeIdentity.resolve(stateDirectory: folder, override: invalid)
                    Issue.record("the node id '\(invalid)' was accepted")
                } catch let error as MarketError {
                    #expect(error.code == .nodeIDInvalid)
                }
            }
        }
    }
}
