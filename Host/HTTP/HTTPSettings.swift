/// The settings every transfer of the process shares: where it goes through (a proxy) and
/// what it trusts (CA certificates). `HTTPClient` applies them, with each request's timeouts,
/// minimum speed, redirect policy and size cap, in one place (`Transfer.configure`).
public struct HTTPSettings: Sendable {
    /// A proxy URL (`http://host:port`, `socks5h://host`); nil leaves it to libcurl, which reads
    /// `http_proxy`, `https_proxy` and `ALL_PROXY` from the environment.
    public var proxy: String?
    /// Hosts reached without the proxy (`NO_PROXY`'s syntax); nil leaves it to the environment.
    public var noProxy: String?
    /// A PEM file of CA certificates to trust instead of the system's store; nil: the system's.
    public var caBundle: String?
    /// A folder of hashed CA certificates (`c_rehash`) to trust; nil: the system's.
    public var caDirectory: String?

    public init(proxy: String? = nil, noProxy: String? = nil, caBundle: String? = nil, caDirectory: String? = nil) {
        self.proxy = proxy
        self.noProxy = noProxy
        self.caBundle = caBundle
        self.caDirectory = caDirectory
    }

    /// What the host uses: libcurl's reading of the environment and the system's CA store.
    public static let standard = HTTPSettings()
}
