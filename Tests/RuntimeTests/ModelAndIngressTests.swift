import Foundation
import MarketCore
import PluginRuntime
import Synchronization
import MarketTestSupport
import Testing

/// `market.model/1` (streamed deltas, final result, rate limits) and `market.ingress/1`
/// (an inbound request and the plugin's answer) through the host.
@Suite struct ModelAndIngressTests {
    func fixture() async throws -> (PluginRuntime, PluginInstance) {
        let runtime = makeRuntime()
        let folder = try await buildFixture { manifest in
            manifest["kinds"] = ["tools", "model", "ingress"]
            manifest["permissions"] = ["ingress": true]
        }
        return (runtime, try await runtime.instantiate(try runtime.load(folder), tenantID: "t1"))
    }

    @Test func deltasStreamInOrderAndTheResultFollows() async throws {
        let (runtime, instance) = try await fixture()
        let deltas = Mutex<[String]>([])
        let completion = try await instance.complete(request: #"{"messages":[{"role":"user","content":"hi"}]}"#) { delta in
            deltas.withLock { $0.append(delta) }
            return true
        }
        #expect(deltas.withLock { $0 } == [#"{"content":"Hel"}"#, #"{"content":"lo"}"#])
        let result = try JSONValue(parsing: completion.resultJSON)
        #expect(result["message"]?["content"] == .string("Hello"))
        #expect(result["usage"]?["completion_tokens"] == .number(2))
        await instance.close()
        await runtime.shutdown()
    }

    @Test func stoppingTheStreamCancelsTheCompletion() async throws {
        let (runtime, instance) = try await fixture()
        await expectError(.cancelled) { try await instance.complete(request: "{}") { _ in false } }
        await instance.close()
        await runtime.shutdown()
    }

    @Test func aRateLimitCarriesTheDelayAskedFor() async throws {
        let (runtime, instance) = try await fixture()
        let error = await expectError(.pluginFailed) { try await instance.complete(request: #"{"hint":"rate"}"#) }
        #expect((error?.underlying as? PluginCallFailure)?.statusName == "RATE_LIMITED")
        #expect(error?.message.contains("retry after 1500 ms") == true)
        #expect(error?.message.contains("slow down") == true)
        await instance.close()
        await runtime.shutdown()
    }

    @Test func anInboundRequestReachesThePluginAndItsAnswerComesBack() async throws {
        let (runtime, instance) = try await fixture()
        let response = try await instance.handleIngress(method: "POST", path: "/hooks/lead?source=crm",
                                                        headers: [("content-type", "application/json"), ("x-signature", "abc")],
                                                        body: Array(#"{"lead":1}"#.utf8))
        #expect(response.status == 201)
        #expect(response.headers["content-type"] == "application/json")
        let body = try JSONValue(parsing: String(decoding: response.body, as: UTF8.self))
        #expect(body == .object(["method": .string("POST"), "path": .string("/hooks/lead?source=crm"),
                                 "body_bytes": .number(10), "header_count": .number(2)]))
        await instance.close()
        await runtime.shutdown()
    }

    @Test func ingressNeedsThePermission() async throws {
        let runtime = makeRuntime()
        let instance = try await runtime.instantiate(try runtime.load(try await buildFixture()), tenantID: "t1")
        await expectError(.capabilityMissing) { try await instance.handleIngress(method: "GET", path: "/", headers: [], body: []) }
        await instance.close()
        await runtime.shutdown()
    }

    @Test func aPluginThatIsNoModelSaysSo() async throws {
        let runtime = makeRuntime()
        let instance = try await runtime.instantiate(try runtime.load(try TestPaths.plugin("textkit")), tenantID: "t1")
        await expectError(.capabilityMissing) { try await instance.complete(request: "{}") }
        await instance.close()
        await runtime.shutdown()
    }
}
