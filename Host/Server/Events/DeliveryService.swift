import MarketStore
import ServiceLifecycle

/// A `DeliveryWorker` as a service of `market serve`'s group: on graceful shutdown (SIGTERM)
/// the worker stops claiming, finishes the deliveries in flight, records their outcomes and
/// returns.
public struct DeliveryService: Service {
    public let worker: DeliveryWorker

    public init(worker: DeliveryWorker) {
        self.worker = worker
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await worker.run()
        }
    }
}
