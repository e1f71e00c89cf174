import Foundation
import MarketCore

/// Tests/Fixtures/oauth-server/server.py on an ephemeral loopback port: an OAuth 2.0
/// authorization server (authorization code with PKCE, single-use refresh tokens) written apart
/// from the host's client, so that a test checks the host against the protocol, not itself.
public final class FakeAuthorizationServer: Sendable {
    public static let clientID = "market-test-client"
    public static let clientSecret = "market-test-secret"

    public let server: LoopbackServerProcess

    private init(server: LoopbackServerProcess) {
        self.server = server
    }

    public static func start() async throws -> FakeAuthorizationServer {
        return FakeAuthorizationServer(server: try await LoopbackServerProcess.fixture("oauth-server"))
    }

    public var root: String { "http://127.0.0.1:\(server.port)" }

    /// Changes how it answers from now on: token lifetime, a delay before each refresh answer
    /// (to hold two refreshes open at once), or the revocation of every grant.
    public func control(expiresIn: Int? = nil, refreshDelayMilliseconds: Int? = nil, revoke: Bool = false) async throws {
        var change: [String: JSONValue] = [:]
        if let expiresIn { change["expires_in"] = .integer(Int64(expiresIn)) }
        if let refreshDelayMilliseconds { change["refresh_delay_ms"] = .integer(Int64(refreshDelayMilliseconds)) }
        if revoke { change["revoke"] = .bool(true) }
        _ = try await runProcess("curl", ["-sf", "--max-time", "10", "-X", "POST", "--data-binary", JSONValue.object(change).jsonText, "\(root)/control"])
    }

    /// What it counted: `refreshes` granted, `reused` refresh tokens, `codes` exchanged, `failures`.
    public func stats() async throws -> JSONValue {
        try JSONValue(parsing: try await runProcess("curl", ["-sf", "--max-time", "10", "\(root)/stats"]).stdout)
    }

    /// Whether `token` is a current access token here (`GET /resource` with it).
    public func accepts(accessToken token: String) async throws -> Bool {
        let output = try await runProcess("curl", ["-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer \(token)", "\(root)/resource"])
        return output.stdout == "200"
    }

    /// Plays the user's browser at `authorizationURL`: the server consents at once and answers
    /// with a redirect, whose target (the host's callback with `code` and `state`) is returned.
    public func consent(at authorizationURL: String) async throws -> URL {
        let output = try await runProcess("curl", ["-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", authorizationURL])
        let parts = output.stdout.split(separator: " ", maxSplits: 1)
        guard parts.first == "302", parts.count == 2, let target = URL(string: String(parts[1])) else {
            throw FakeAuthorizationFailure(answer: output.stdout)
        }
        return target
    }
}

/// The authorization server did not redirect back: the host's authorization URL was refused.
public struct FakeAuthorizationFailure: Error, CustomStringConvertible {
    public let answer: String
    public var description: String { "the authorization server refused the authorization request: \(answer)" }
}
