@testable import PluginKit
import Testing

/// What PluginKit's fetch errors may name of a request: its origin, never a path, query or
/// user information, any of which can hold a secret (a webhook URL's key, a token).
@Suite struct FetchErrorOriginTests {
    @Test func onlyTheOriginOfAURLIsNamed() {
        #expect(PluginHost.origin(of: "https://acme.bitrix24.ru/rest/1/s3cr3t/crm.contact.add.json") == "https://acme.bitrix24.ru")
        #expect(PluginHost.origin(of: "http://127.0.0.1:8080?token=abc") == "http://127.0.0.1:8080")
        #expect(PluginHost.origin(of: "https://user:pa55@example.com/x") == "https://example.com")
        #expect(PluginHost.origin(of: "not a url") == "(a URL)")
    }
}
