import MarketCore
import PluginRuntime
import Synchronization

/// Watches a plugin version this node just switched to, for `Rule.window`, and says once when
/// it is unhealthy (docs/decisions.md, "Health-gated rollback"): an instance of it that does
/// not start, or more than `maximumErrorRatio` of at least `minimumCalls` calls failing by the
/// plugin's fault. The reconciler acts on the verdicts; the plugin has no say.
public final class PluginHealth: Sendable {
    public struct Rule: Sendable {
        public var window: Duration
        public var minimumCalls: Int
        public var maximumErrorRatio: Double

        public init(window: Duration = .seconds(60), minimumCalls: Int = 10, maximumErrorRatio: Double = 0.5) {
            self.window = window
            self.minimumCalls = minimumCalls
            self.maximumErrorRatio = maximumErrorRatio
        }
    }

    /// A watched version found unhealthy, and why in words for the audit log and the API.
    public struct Verdict: Sendable, Equatable {
        public let pluginID: String
        public let version: String
        public let reason: String
    }

    private struct Watch {
        let version: String
        let until: ContinuousClock.Instant
        var calls = 0
        var failures = 0
    }

    public let rule: Rule
    /// Every verdict, once per watch; the reconciler reads them.
    public let verdicts: AsyncStream<Verdict>
    private let continuation: AsyncStream<Verdict>.Continuation
    private let watches = Mutex<[String: Watch]>([:])
    /// How many versions are watched, kept beside `watches`: every plugin call reports here, and
    /// nearly always nothing is watched, so a call then costs one atomic load and no lock.
    private let watchCount = Atomic<Int>(0)

    public init(rule: Rule = Rule()) {
        self.rule = rule
        (verdicts, continuation) = AsyncStream.makeStream(of: Verdict.self)
    }

    /// Starts watching `version` of `pluginID` (replacing a watch of another version).
    public func watch(_ pluginID: String, version: String) {
        watches.withLock { watches in
            watches[pluginID] = Watch(version: version, until: .now + rule.window)
            watchCount.store(watches.count, ordering: .releasing)
        }
    }

    /// Whether `pluginID`'s `version` is being watched now.
    public func isWatching(_ pluginID: String, version: String) -> Bool {
        watches.withLock { $0[pluginID].map { $0.version == version && ContinuousClock.now < $0.until } ?? false }
    }

    /// Counts one call's outcome against the version that ran it, if that version is watched.
    func recordCall(_ pluginID: String, library: LibraryIdentity, error: (any Error)?) {
        guard watchCount.load(ordering: .acquiring) > 0 else { return }
        let verdict: Verdict? = watches.withLock { watches in
            defer { watchCount.store(watches.count, ordering: .releasing) }
            guard var watch = watches[pluginID], watch.version == library.version else { return nil }
            guard ContinuousClock.now < watch.until else {
                watches[pluginID] = nil
                return nil
            }
            watch.calls += 1
            if let error, Self.isPluginsFault(error) { watch.failures += 1 }
            watches[pluginID] = watch
            guard watch.calls >= rule.minimumCalls, Double(watch.failures) > Double(watch.calls) * rule.maximumErrorRatio else { return nil }
            watches[pluginID] = nil
            let last = (error as? MarketError).map { " (last: \($0.code))" } ?? ""
            return Verdict(pluginID: pluginID, version: library.version,
                           reason: "\(watch.failures) of its first \(watch.calls) calls failed\(last)")
        }
        if let verdict { continuation.yield(verdict) }
    }

    /// An instance of a watched version did not start by its own fault (not, say, because the
    /// database did not answer): unhealthy at once.
    func recordStartFailure(_ pluginID: String, library: LibraryIdentity, error: any Error) {
        guard Self.isPluginsFault(error) else { return }
        let watched = watches.withLock { watches in
            defer { watchCount.store(watches.count, ordering: .releasing) }
            guard let watch = watches[pluginID], watch.version == library.version, ContinuousClock.now < watch.until else { return false }
            watches[pluginID] = nil
            return true
        }
        guard watched else { return }
        let cause = (error as? MarketError).map { "\($0.code): \($0.message)" } ?? "\(error)"
        continuation.yield(Verdict(pluginID: pluginID, version: library.version, reason: "an instance did not start: \(cause)"))
    }

    /// Whether a call's or a start's error is the plugin's doing (a failure status, a refusal to
    /// start, a deadline it overran, a result it got wrong, a library that does not load), not
    /// the caller's (bad arguments, a cancellation) or the host's (a closed instance, a
    /// permission the manifest lacks, the database).
    static func isPluginsFault(_ error: any Error) -> Bool {
        guard let error = error as? MarketError else { return true }
        return [.pluginFailed, .instanceFailed, .timeout, .invalidResult, .resultTooLarge, .loadFailed, .abiIncompatible].contains(error.code)
    }
}
