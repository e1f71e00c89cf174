import Foundation
import MarketTestSupport
import Testing

extension ServerTests {
    /// The chat API of a real `market serve`: JSON replies, server-sent events, the history,
    /// feedback and the experiment report; and `market chat --server` against it.
    @Suite struct ChatServe {
        static let experiment = ["experiments", "create", "models-1", "--tenant", "acme",
                                 "--variant", "name=small,plugin=openai,model=text,weight=1",
                                 "--variant", "name=large,plugin=openai,model=text,weight=1"]

        @Test(.timeLimit(.minutes(3)))
        func theChatAPIAnswersStreamsKeepsTheHistoryAndReports() async throws {
            let server = try await BotServer.start(setup: [Self.experiment])
            defer { server.close() }
            let token = try await server.tenantToken()
            let auth = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
            let messages = "/v1/tenants/acme/chats/web-1/messages"

            // A slash command: answered whole, no model call.
            let command = try await LoopbackHTTP.request("POST", messages, port: server.port, headers: auth,
                                                         body: #"{"text": "/word_count text=\"a b c\"", "user": "u-1"}"#)
            #expect(command.status == 200, "\(command.text)")
            let reply = try command.json()
            #expect((reply["text"] as? String)?.contains("\"words\": 3") == true, "\(command.text)")
            #expect(reply["steps"] as? Int == 0)
            #expect(reply["experiment"] as? String == "models-1")
            let variant = try #require(reply["variant"] as? String)
            #expect(["small", "large"].contains(variant))
            let conversation = try #require(reply["conversation_id"] as? String)

            // The model's answer as server-sent events: its pieces, then the whole reply.
            var streaming = auth
            streaming["Accept"] = "text/event-stream"
            let streamed = try await LoopbackHTTP.request("POST", messages, port: server.port, headers: streaming,
                                                          body: #"{"text": "hello", "user": "u-1"}"#)
            #expect(streamed.status == 200)
            #expect(streamed.headers["content-type"] == "text/event-stream")
            let events = Self.events(streamed.text)
            #expect(events.map(\.name) == ["chunk", "chunk", "chunk", "reply"], "\(streamed.text)")
            #expect(events.filter { $0.name == "chunk" }.compactMap { $0.data["text"] as? String } == ["Hel", "lo", "!"])
            #expect(events.last?.data["text"] as? String == "Hello!")

            // Feedback is the engine's: stored and counted for the user's variant.
            let feedback = try await LoopbackHTTP.request("POST", "/v1/tenants/acme/chats/web-1/feedback", port: server.port, headers: auth,
                                                          body: #"{"value": "up", "user": "u-1"}"#)
            #expect(feedback.status == 200, "\(feedback.text)")
            #expect(try feedback.json()["text"] as? String == "Thanks for the 👍.")
            let bad = try await LoopbackHTTP.request("POST", "/v1/tenants/acme/chats/web-1/feedback", port: server.port, headers: auth,
                                                     body: #"{"value": "maybe"}"#)
            let badProblem = try bad.json()
            #expect(bad.status == 400 && (badProblem["fix"] as? String)?.contains("up") == true)

            let history = try await LoopbackHTTP.get("/v1/tenants/acme/conversations/\(conversation)/messages", port: server.port, headers: auth)
            #expect(history.status == 200, "\(history.text)")
            let turns = try #require(try history.json()["messages"] as? [[String: Any]])
            #expect(turns.compactMap { $0["role"] as? String } == ["user", "assistant", "user", "assistant", "user", "assistant"])
            #expect(turns.compactMap { $0["content"] as? String }[2...3] == ["hello", "Hello!"])
            let missing = try await LoopbackHTTP.get("/v1/tenants/acme/conversations/cnv_0000000000000000/messages", port: server.port, headers: auth)
            let missingProblem = try missing.json()
            #expect(missing.status == 404 && missingProblem["code"] as? String == "CONVERSATION_NOT_FOUND")

            let report = try await LoopbackHTTP.get("/v1/tenants/acme/experiments/models-1/report", port: server.port, headers: auth)
            #expect(report.status == 200, "\(report.text)")
            let figures = try #require(try report.json()["variants"] as? [[String: Any]])
            let mine = try #require(figures.first { $0["variant"] as? String == variant })
            #expect(mine["feedback_up"] as? Int == 1)
            #expect(mine["messages"] as? Int == 3)
            #expect(mine["conversations"] as? Int == 1)
            let none = try await LoopbackHTTP.get("/v1/tenants/acme/experiments/nope/report", port: server.port, headers: auth)
            let noneProblem = try none.json()
            #expect(none.status == 404 && noneProblem["code"] as? String == "EXPERIMENT_NOT_FOUND")
        }

        @Test(.timeLimit(.minutes(3)))
        func marketChatTalksToTheServerThroughStandardInput() async throws {
            let server = try await BotServer.start()
            defer { server.close() }
            let token = try await server.tenantToken()
            let market = buildProductsDirectory.appendingPathComponent("market").path
            let arguments = [market, "chat", "--server", "http://127.0.0.1:\(server.port)", "--token", token, "--tenant", "acme", "--user", "ada"]
            // The runner gives children /dev/null as standard input; a shell pipes the text in.
            let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
            let input = "/word_count text=\"x y\"\nhello\n/quit\nnever sent\n"
            let output = try await runProcess("/bin/sh", ["-c", "printf %s \"$CHAT_INPUT\" | " + quoted], environment: ["CHAT_INPUT": input])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("\"words\": 2"), "\(output.stdout)")
            #expect(output.stdout.hasSuffix("Hello!\n"), "\(output.stdout)")

            let wrong = quoted.replacingOccurrences(of: token, with: "mkt_wrong")
            let refused = try await runProcess("/bin/sh", ["-c", "printf 'hi\\n' | " + wrong])
            #expect(refused.status != 0 && refused.stderr.contains("UNAUTHENTICATED"), "\(refused.stderr)")
        }

        /// Server-sent events: name and JSON data of each.
        static func events(_ text: String) -> [(name: String, data: [String: Any])] {
            text.components(separatedBy: "\n\n").compactMap { block in
                let lines = block.split(separator: "\n")
                guard let name = lines.first(where: { $0.hasPrefix("event: ") })?.dropFirst(7),
                      let data = lines.first(where: { $0.hasPrefix("data: ") })?.dropFirst(6),
                      let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return nil }
                return (String(name), object)
            }
        }
    }
}
