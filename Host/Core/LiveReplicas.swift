import Synchronization

/// How many replicas of `market serve` share the database, as the last heartbeat counted them
/// (at least 1): what `market.cluster/1` tells plugins that keep to an outside service's rate
/// limit across the deployment. A process that is no replica (the CLI, a test) counts 1.
public final class LiveReplicas: Sendable {
    private let count: Atomic<Int>

    public init(_ count: Int = 1) {
        self.count = Atomic(max(1, count))
    }

    public var current: Int { count.load(ordering: .relaxed) }

    public func update(_ count: Int) {
        self.count.store(max(1, count), ordering: .relaxed)
    }
}
