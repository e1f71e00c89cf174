import ArgumentParser
import MarketServer

/// `market serve`'s limits on HTTP connections (docs/server.md, "Slow and idle clients").
struct ConnectionOptions: ParsableArguments {
    @Option(help: "Seconds a new connection has to send its first request's headers.")
    var headerTimeout: Int = 10

    @Option(help: "Seconds a request has to send its body once its headers arrived.")
    var bodyTimeout: Int = 30

    @Option(help: "Seconds a kept-alive connection may wait, idle, for its next request.")
    var idleTimeout: Int = 30

    @Option(help: "Connections held at once (default and upper bound: what the open-files limit allows). At the cap the longest-idle connection is closed; when none is idle, new ones are answered 503 SERVER_BUSY.")
    var maxConnections: Int?

    func validate() throws {
        for (name, value) in [("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout), ("--idle-timeout", idleTimeout)] {
            guard (1...3600).contains(value) else { throw ValidationError("\(name) must be 1 to 3600 seconds") }
        }
        if let maxConnections, maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
    }

    func configuration(host: String, port: Int) -> ServerConfiguration {
        ServerConfiguration(host: host, port: port,
                            timeouts: ConnectionTimeouts(header: .seconds(headerTimeout), body: .seconds(bodyTimeout), idle: .seconds(idleTimeout)),
                            maximumConnections: maxConnections)
    }
}
