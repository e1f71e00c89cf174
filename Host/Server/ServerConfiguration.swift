/// Where the server listens.
public struct ServerConfiguration: Sendable {
    /// The address to bind, `127.0.0.1` by default (`0.0.0.0` for every interface).
    public var host: String
    /// The TCP port; 0 lets the system choose one (the server logs which).
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}
