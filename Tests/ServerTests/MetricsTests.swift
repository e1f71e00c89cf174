import Foundation
import Testing

extension ServerTests {
    @Suite struct Metrics {
        @Test func requestsAreCountedAndTimedPerRouteAndStatus() async throws {
            try await RunningServer.with(database: "host=/nonexistent port=1 user=market dbname=market") { server in
                _ = try await server.get("/healthz")
                _ = try await server.get("/healthz")
                _ = try await server.get("/v1/plugins/absent")
                _ = try await server.get("/no/such/path")
                let reply = try await server.get("/metrics")
                #expect(reply.status == 200)
                #expect(reply.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
                let lines = reply.text.split(separator: "\n").map(String.init)
                func sample(_ name: String, _ labels: String) -> Double? {
                    lines.first { $0.hasPrefix("\(name){\(labels)} ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
                }
                #expect(lines.contains("# TYPE http_requests_total counter"))
                #expect(lines.contains("# TYPE http_request_duration_seconds histogram"))
                #expect(sample("http_requests_total", #"method="GET",route="/healthz",status="200""#) == 2)
                #expect(sample("http_requests_total", #"method="GET",route="/v1/plugins/{id}",status="404""#) == 1)
                // Unmatched paths share one series, whatever the path was.
                #expect(sample("http_requests_total", #"method="GET",route="unmatched",status="404""#) == 1)
                #expect(!reply.text.contains("/no/such/path"))
                #expect(sample("http_request_duration_seconds_count", #"method="GET",route="/healthz",status="200""#) == 2)
                #expect(sample("http_request_duration_seconds_bucket", #"method="GET",route="/healthz",status="200",le="+Inf""#) == 2)
            }
        }
    }
}
