import Hummingbird

/// `/healthz` (the process answers) and `/readyz` (it can serve: database reachable, schema
/// current). Load balancers route to a replica only while `/readyz` answers 200.
struct HealthRoutes: RouteGroup {
    let readiness: DatabaseReadiness

    struct Status: Encodable {
        let status: String
    }

    func register(on routes: RouteRegistrar) {
        routes.get("/healthz") { _, _ in try JSONResponse.make(Status(status: "ok")) }
        routes.get("/readyz") { _, _ in
            switch await readiness.check() {
            case .ready:
                return try JSONResponse.make(Status(status: "ready"))
            case .notReady(let code, let message, let fix):
                throw Problem(code, message, fix: fix, status: .serviceUnavailable)
            }
        }
    }
}
