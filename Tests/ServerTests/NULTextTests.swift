import Foundation
import Testing
import Yams

extension ServerTests {
    /// U+0000 cannot be stored: the spec says so and the server answers as the spec says.
    @Suite struct NULText {
        /// The stored string fields of request bodies, as schema name and property.
        static let storedStrings = [("NewTenant", "name"), ("NewToken", "label"), ("SecretValue", "value"), ("ChatMessageInput", "text")]

        @Test func theSpecsStringPatternsRefuseNUL() throws {
            let text = try String(contentsOf: Repository.openAPI, encoding: .utf8)
            let spec = try #require(try Yams.load(yaml: text) as? [String: Any])
            let schemas = try #require((spec["components"] as? [String: Any])?["schemas"] as? [String: Any])
            for (schema, property) in Self.storedStrings {
                let properties = try #require((schemas[schema] as? [String: Any])?["properties"] as? [String: Any], "\(schema)")
                let pattern = try #require((properties[property] as? [String: Any])?["pattern"] as? String, "\(schema).\(property) has no pattern")
                let expression = try NSRegularExpression(pattern: pattern)
                func matches(_ value: String) -> Bool {
                    expression.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
                }
                #expect(!matches("a\u{0}b"), "\(schema).\(property) admits U+0000")
                #expect(matches("hello"), "\(schema).\(property) refuses plain text")
            }
            let info = try #require((spec["info"] as? [String: Any])?["description"] as? String)
            #expect(info.contains("TEXT_UNSTORABLE"))
        }

        @Test func everyStoredStringWithNULIsAnswered422TEXT_UNSTORABLE() async throws {
            try await TenantAPIWorld.with { world in
                let before = try await world.snapshot()
                let admin = ["Authorization": "Bearer \(world.admin)"]
                let requests: [(String, String, String)] = [
                    ("POST", "/v1/tenants", #"{"id":"nul-test","name":"a\u0000b"}"#),
                    ("POST", "/v1/tenants/tenant-a/tokens", #"{"label":"a\u0000b"}"#),
                    ("PUT", "/v1/tenants/tenant-b/plugins/openai/secrets/api_key", #"{"value":"sk-\u0000"}"#),
                    ("POST", "/v1/tenants/tenant-a/events", #"{"type":"lead.created","data":{"name":"a\u0000b"}}"#),
                    ("POST", "/v1/admin/tokens", #"{"label":"a\u0000b"}"#),
                    ("POST", "/v1/tenants/tenant-a/chats/c1/messages", #"{"text":"hello\u0000"}"#),
                ]
                for (method, path, body) in requests {
                    let reply = try await world.server.request(method, path, headers: admin, body: body)
                    #expect(reply.status == 422, "\(method) \(path): \(reply.status) \(reply.text)")
                    #expect(try reply.json()["code"] as? String == "TEXT_UNSTORABLE", "\(method) \(path): \(reply.text)")
                }
                #expect(try await world.snapshot() == before)
            }
        }
    }
}
