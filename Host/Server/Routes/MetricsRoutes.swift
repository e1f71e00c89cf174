import HTTPTypes
import Hummingbird
import Prometheus

/// `/metrics`: every metric of the process in Prometheus' text exposition format.
struct MetricsRoutes: RouteGroup {
    let registry: PrometheusCollectorRegistry

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    func register(on routes: RouteRegistrar) {
        routes.get("/metrics") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = Self.contentType
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
