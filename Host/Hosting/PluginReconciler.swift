import CoreMetrics
import Foundation
import Logging
import MarketCore
import MarketRegistry
import MarketStore
import PluginRuntime
import ServiceLifecycle
import Synchronization

/// Converges this node's plugin folder on the desired state in PostgreSQL (docs/decisions.md,
/// "Desired plugin state"): at start, on every NOTIFY of a change and every `interval`, each
/// desired plugin that differs from `market.lock` goes through the installer's transaction
/// (download, verify, extract, probe, switch) from its registry, and the node reports what it
/// runs. A failure leaves the running version in place, is reported, and is retried with
/// exponential backoff; a new generation retries at once. Plugins with no desired state are
/// left as they are.
///
/// After it switches a plugin to a new version it tells the plugin host at once (calls in flight
/// then follow to the new library) and has the host's `health` watch that version; when the
/// watch finds it unhealthy, or the version's probe fails here, it puts the desired state back
/// to the previous version for every node (docs/decisions.md, "Health-gated rollback").
public final class PluginReconciler: Service, Sendable {
    public struct Configuration: Sendable {
        /// The periodic pass, in case a NOTIFY was missed; also the heartbeat.
        public var interval: Duration
        /// The first retry's delay; each failure doubles it, up to `maximumBackoff`.
        public var firstBackoff: Duration
        public var maximumBackoff: Duration

        public init(interval: Duration = .seconds(30), firstBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(300)) {
            self.interval = interval
            self.firstBackoff = firstBackoff
            self.maximumBackoff = maximumBackoff
        }
    }

    /// A failed attempt at one generation, and when to try again.
    private struct Failure: Sendable {
        let generation: Int64
        let attempts: Int
        let retryAt: ContinuousClock.Instant
    }

    public let nodeID: String
    let desired: DesiredPlugins
    let connectionString: String
    let installer: Installer
    let clients: Installer.ClientForRegistry
    let configuration: Configuration
    /// The process's plugin owner, told of each switch; nil for a reconciler that only installs.
    let host: PluginHost?
    var health: PluginHealth? { host?.health }
    let logger: Logger
    let metrics: ReconcilerMetrics
    private let failures = Mutex<[String: Failure]>([:])
    /// The last report per plugin, so an unchanged one is not written again each pass.
    private let reported = Mutex<[String: NodeState]>([:])

    /// - Parameters:
    ///   - installer: installs into this node's state folder, with its probe.
    ///   - clients: opens a client of a registry by the name or location a desired state records.
    ///   - host: the process's plugin owner: told of every switch, and its health watch judges
    ///     the versions this node switches to; nil: no automatic rollback.
    ///   - metrics: where convergence and rollbacks are counted (`ReconcilerMetrics`).
    public init(nodeID: String, desired: DesiredPlugins, connectionString: String, installer: Installer,
                clients: @escaping Installer.ClientForRegistry, configuration: Configuration = Configuration(),
                host: PluginHost? = nil, metrics: any MetricsFactory = MetricsSystem.factory, logger: Logger) {
        self.nodeID = nodeID
        self.desired = desired
        self.connectionString = connectionString
        self.installer = installer
        self.clients = clients
        self.configuration = configuration
        self.host = host
        self.metrics = ReconcilerMetrics(factory: metrics)
        self.logger = logger
    }

    /// Reconciles until the graceful shutdown (or cancellation).
    public func run() async throws {
        let listener = try await NotificationListener.start(connectionString: connectionString, channels: [DesiredPlugins.channel], logger: logger)
        let wake = WakeSignal()
        logger.info("reconciling plugins with the desired state", metadata: ["node": .string(nodeID)])
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await _ in listener.notifications { wake.signal() }
                }
                if let health = self.health {
                    group.addTask {
                        for await verdict in health.verdicts {
                            self.metrics.unhealthy(verdict.pluginID).increment()
                            await self.rollBack(verdict.pluginID, from: verdict.version, reason: verdict.reason)
                        }
                    }
                }
                while !Task.isCancelled {
                    let next = await self.reconcile()
                    await wake.wait(timeout: next)
                }
                listener.stop()
                group.cancelAll()
            }
        }
    }

    /// One pass over every desired plugin; returns how long to wait for the next one.
    @discardableResult
    public func reconcile() async -> Duration {
        let wanted: [DesiredPlugin]
        do {
            // The live replicas, for plugins that share an outside service's rate limit (market.cluster/1).
            let live = try await desired.heartbeat(node: nodeID, hostName: ProcessInfo.processInfo.hostName,
                                                   live: configuration.interval * 3)
            host?.runtime.services.replicas.update(live)
            wanted = try await desired.all()
        } catch {
            logger.warning("cannot read the desired plugin state; trying again", metadata: ["error": "\(error)"])
            return min(configuration.interval, .seconds(5))
        }
        var next = configuration.interval
        for plugin in wanted where !Task.isCancelled {
            if let delay = await reconcile(plugin) { next = min(next, delay) }
        }
        return next
    }

    /// Brings one plugin to its desired state; returns the delay until a retry is due, if one is.
    private func reconcile(_ plugin: DesiredPlugin) async -> Duration? {
        let id = plugin.pluginID
        let failure = failures.withLock { $0[id] }.flatMap { $0.generation == plugin.generation ? $0 : nil }
        if let failure, ContinuousClock.now < failure.retryAt {
            metrics.observe(plugin, running: nil, failed: true)
            return failure.retryAt - .now
        }
        do {
            let switched = try await apply(plugin)
            // The owner resolves the plugin again now, so held instances follow at their next call.
            if switched { _ = try? host?.library(id: id) }
            failures.withLock { $0[id] = nil }
            await report(plugin, error: nil, attempts: 0)
            if switched, let health, let version = plugin.target?.version, !(await isRollback(plugin)) {
                health.watch(id, version: version)
                logger.info("watching the new version", metadata: ["plugin": .string(id), "version": .string(version),
                                                                   "window": .stringConvertible(health.rule.window)])
            }
            return nil
        } catch {
            let attempts = (failure?.attempts ?? 0) + 1
            let delay = backoff(after: attempts)
            failures.withLock { $0[id] = Failure(generation: plugin.generation, attempts: attempts, retryAt: .now + delay) }
            let text = (error as? MarketError).map { "\($0.code): \($0.message)" } ?? "\(error)"
            logger.warning("plugin did not converge; keeping the running version and retrying", metadata: [
                "plugin": .string(id), "wanted": .string(plugin.target?.version ?? "uninstalled"), "error": .string(text),
                "attempts": .stringConvertible(attempts), "retry_in": .stringConvertible(delay)])
            await report(plugin, error: text, attempts: attempts)
            if health != nil, let version = plugin.target?.version, Self.isVersionsFault(error), !(await isRollback(plugin)) {
                await rollBack(id, from: version, reason: "it failed its probe on node \(nodeID): \(text)")
            }
            return delay
        }
    }

    /// Whether the install failed because of the version itself (it does not load or start),
    /// not because of the registry, the network or the disk.
    static func isVersionsFault(_ error: any Error) -> Bool {
        guard let error = error as? MarketError else { return false }
        return [.probeFailed, .loadFailed, .abiIncompatible].contains(error.code)
    }

    /// Whether `plugin`'s current generation was recorded by an automatic rollback: the switch
    /// back is neither watched nor rolled back again, so rollbacks cannot loop.
    private func isRollback(_ plugin: DesiredPlugin) async -> Bool {
        guard let last = try? await desired.lastRollbacks(of: plugin.pluginID)[plugin.pluginID] else { return false }
        return last.generation == plugin.generation
    }

    /// Puts the desired state of `pluginID` back to its previous version for every node, since
    /// `version` is unhealthy here; nothing when the desired state moved on meanwhile.
    func rollBack(_ pluginID: String, from version: String, reason: String) async {
        do {
            if let rollback = try await desired.rollBack(pluginID, from: version, reason: reason, node: nodeID) {
                metrics.rollbacks(pluginID).increment()
                logger.warning("plugin rolled back: the new version is unhealthy", metadata: [
                    "plugin": .string(pluginID), "from": .string(version), "to": .string(rollback.toVersion), "reason": .string(reason),
                    "generation": .stringConvertible(rollback.generation)])
            }
        } catch {
            logger.error("cannot roll the plugin back", metadata: ["plugin": .string(pluginID), "from": .string(version), "error": "\(error)"])
        }
    }

    /// 1 s, 2 s, 4 s, … up to the maximum, each ±20% so that nodes do not retry in step.
    func backoff(after attempts: Int) -> Duration {
        let base = configuration.firstBackoff * (1 << min(attempts - 1, 20))
        return min(base, configuration.maximumBackoff) * Double.random(in: 0.8...1.2)
    }

    /// Changes the folder when it differs from `plugin`'s target; does nothing when it agrees.
    /// - Returns: whether it switched the plugin to another version.
    private func apply(_ plugin: DesiredPlugin) async throws -> Bool {
        let id = plugin.pluginID, installer = installer
        let entry = try LockFile.read(in: installer.folder).plugins[id]
        guard let target = plugin.target else {
            if entry != nil { try await BlockingWork.run { _ = try installer.uninstall(id) } }
            return false
        }
        if let entry, entry.version == target.version, Self.pins(entry, match: target) { return false }
        // The version an update kept on disk is switched back to without the registry.
        if let previous = entry?.previous, previous.version == target.version, Self.pins(previous, match: target) {
            try await BlockingWork.run { _ = try installer.rollback(id) }
            return true
        }
        let client = try clients(target.registry)
        let exact: VersionRange? = try VersionRange(target.version)
        let plan = try await installer.plan([(id, exact)], from: client, source: target.registry)
        guard let step = plan.steps.first(where: { $0.id == id }) else { return false }
        guard case .registry(_, let artifact, let version) = step.origin,
              let key = version.artifacts.first(where: { $0.value == artifact })?.key, target.artifacts[key] == artifact.sha256 else {
            throw MarketError(.hashMismatch, "the registry's artifact of \(id) \(target.version) for this platform is not the one the desired state pins",
                              fix: "install the plugin again (market install \(id)@\(target.version) --database URL) so the desired state pins what the registry serves")
        }
        guard version.permissions == target.permissions else {
            throw MarketError(.permissionsChanged, "\(id) \(target.version) in the registry declares other permissions than the ones consented to",
                              fix: "install it again with --database URL and consent to its permissions")
        }
        // The permissions were consented to when the desired state was recorded.
        _ = try await installer.apply(plan, consent: { _ in true })
        return entry?.version != target.version
    }

    /// Whether the artifacts pinned in the lock agree with the desired state's, platform by platform.
    static func pins(_ entry: LockFile.Entry, match target: DesiredPlugin.Target) -> Bool {
        target.artifacts.allSatisfy { key, hash in entry.artifacts[key].map { $0.sha256 == hash } ?? true }
    }

    /// Records what the node runs of `plugin` now, unless that was the last report.
    private func report(_ plugin: DesiredPlugin, error: String?, attempts: Int) async {
        let running = (try? LockFile.read(in: installer.folder))?.plugins[plugin.pluginID]?.version
        // Each pass, so the time waiting for convergence keeps growing between reports.
        metrics.observe(plugin, running: running, failed: error != nil)
        let state = NodeState(nodeID: nodeID, pluginID: plugin.pluginID, generation: plugin.generation, wantedVersion: plugin.target?.version,
                              runningVersion: running, lastError: error, attempts: attempts)
        let last = reported.withLock { $0[plugin.pluginID] }
        if let last, last.generation == state.generation, last.runningVersion == running, last.lastError == error, last.attempts == attempts { return }
        do {
            try await desired.report(state)
            reported.withLock { $0[plugin.pluginID] = state }
            if error == nil, last?.runningVersion != running || last?.generation != state.generation {
                logger.info("plugin converged", metadata: ["plugin": .string(plugin.pluginID), "version": .string(running ?? "uninstalled"),
                                                           "generation": .stringConvertible(plugin.generation)])
            }
        } catch {
            logger.warning("cannot report the node's plugin state", metadata: ["plugin": .string(plugin.pluginID), "error": "\(error)"])
        }
    }
}
