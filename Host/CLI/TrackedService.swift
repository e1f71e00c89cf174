import ServiceLifecycle
import Synchronization

/// Which of serve's services are still running, by name: what a stop that overran its
/// deadline names in its log line, so an operator (and a failed test) sees what held it.
final class ServiceWatch: Sendable {
    private let running = Mutex<[String]>([])

    /// The services that started and have not returned, in start order.
    var stillRunning: [String] { running.withLock { $0 } }

    /// `service` under `name`, reporting here when it starts and returns.
    func track(_ name: String, _ service: any Service) -> any Service {
        TrackedService(name: name, service: service, watch: self)
    }

    fileprivate func started(_ name: String) { running.withLock { $0.append(name) } }
    fileprivate func finished(_ name: String) { running.withLock { $0.removeAll { $0 == name } } }
}

private struct TrackedService: Service {
    let name: String
    let service: any Service
    let watch: ServiceWatch

    func run() async throws {
        watch.started(name)
        defer { watch.finished(name) }
        try await service.run()
    }
}
