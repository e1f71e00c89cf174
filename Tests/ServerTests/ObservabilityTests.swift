import Foundation
import MarketTestSupport
import Testing

extension ServerTests {
    /// The metrics catalogue of docs/operations.md, the Grafana dashboards of ops/grafana and
    /// the alert rules of ops/prometheus, checked against a running `market serve` and Debian's
    /// Prometheus and promtool.
    @Suite struct Observability {
        /// One world for both checks: a `market serve` after traffic of every kind, scraped by
        /// a Prometheus of its own each second.
        @Test(.timeLimit(.minutes(6)))
        func theCatalogueListsEveryMetricAndEveryDashboardQueryHasSeries() async throws {
            let world = try await ObservabilityWorld.start()
            defer { world.server.close() }
            let prometheus = try await PrometheusProcess.start(scraping: "127.0.0.1:\(world.port)",
                                                               in: world.folder.appendingPathComponent("prometheus"))
            defer { prometheus.stop() }
            try await world.drive()

            // Every family /metrics shows is in the table, with its type; every name the table
            // lists exactly appeared.
            let catalogue = try MetricsCatalogue()
            let exposed = MetricsExposition(try await world.server.get("/metrics").text)
            #expect(exposed.types.count >= catalogue.exactNames.count, "\(exposed.types.keys.sorted())")
            for (name, type) in exposed.types.sorted(by: { $0.key < $1.key }) {
                guard let entry = catalogue.entry(for: name) else {
                    Issue.record("/metrics exposes \(name) (\(type)), which docs/operations.md's Metrics table does not list")
                    continue
                }
                #expect(entry.types.contains(type), "\(name) is a \(type); the table says \(entry.types.sorted())")
            }
            for name in catalogue.exactNames where exposed.types[name] == nil {
                Issue.record("docs/operations.md lists \(name), which /metrics did not show after the traffic")
            }

            // Every panel's query reads documented metrics and returns series once Prometheus has
            // scraped the traffic (a rate needs two samples in its window: polled for a while).
            let dashboards = try Dashboards()
            #expect(Set(dashboards.boards.keys) == ["market-bot.json", "market-deliveries.json", "market-host.json", "market-plugins.json"])
            for name in dashboards.boards.keys.sorted() {
                let variables = (dashboards.boards[name]?["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
                #expect(variables.contains { $0["name"] as? String == "datasource" && $0["type"] as? String == "datasource" },
                        "\(name) has no datasource variable")
                for panel in dashboards.panels(of: name) {
                    let source = (panel["datasource"] as? [String: Any])?["uid"] as? String
                    #expect(source == "${datasource}", "\(name): panel \(panel["title"] ?? "?") does not use the datasource variable")
                }
            }
            let queries = dashboards.queries
            #expect(queries.count >= 20)
            for query in queries {
                for metric in try Dashboards.metricNames(in: query.expression) where catalogue.entry(for: metric) == nil {
                    Issue.record("\(query.dashboard), panel \"\(query.panel)\": \(metric) is not in docs/operations.md's Metrics table")
                }
            }
            var empty: [Dashboards.Query] = queries
            let deadline = ContinuousClock.now + .seconds(60)
            while !empty.isEmpty, ContinuousClock.now < deadline {
                var still: [Dashboards.Query] = []
                for query in empty {
                    if try await prometheus.query(query.expression).isEmpty { still.append(query) }
                }
                empty = still
                if !empty.isEmpty { try await Task.sleep(for: .seconds(1)) }
            }
            for query in empty {
                Issue.record("\(query.dashboard), panel \"\(query.panel)\": \(query.expression) returns no series")
            }
            _ = world.registry
        }

        @Test func theAlertRulesAreValidAndEachFiresOnItsSeries() async throws {
            try await PrometheusProcess.install()
            let folder = Repository.root.appendingPathComponent("ops/prometheus")
            let checked = try await runProcess("/usr/bin/promtool", ["check", "rules", "alerts.yml"], in: folder)
            #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
            let tested = try await runProcess("/usr/bin/promtool", ["test", "rules", "alerts_test.yml"], in: folder)
            #expect(tested.status == 0 && tested.stdout.contains("SUCCESS"), "\(tested.stdout)\(tested.stderr)")
            // Every alert of the rules file is fired by a test.
            let rules = try String(contentsOf: folder.appendingPathComponent("alerts.yml"), encoding: .utf8)
            let tests = try String(contentsOf: folder.appendingPathComponent("alerts_test.yml"), encoding: .utf8)
            let alerts = rules.split(separator: "\n").compactMap { line in
                line.trimmingCharacters(in: .whitespaces).hasPrefix("- alert: ") ? line.split(separator: " ").last.map(String.init) : nil
            }
            #expect(alerts.count >= 7, "\(alerts)")
            for alert in alerts {
                #expect(tests.contains("alertname: \(alert)\n        exp_alerts:\n          - exp_labels:"), "no test fires \(alert)")
            }
        }
    }
}
