import Foundation
import TelegramChannel
import Testing

@Suite struct BotAPIClientTests {
    /// Calls run at once however many there are (one loop of curl transfers, not a thread
    /// each): 32 one-second long polls all reach the fake before the first of them ends.
    @Test func manyCallsAreInFlightAtOnce() async throws {
        let fake = try await FakeTelegram.start()
        let client = fake.client()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<32 { group.addTask { _ = try await client.getUpdates(offset: 0, timeout: 1) } }
            try await group.waitForAll()
        }
        let arrivals = try await fake.requests("getUpdates").map(\.time)
        try #require(arrivals.count == 32)
        #expect(try #require(arrivals.max()) - (try #require(arrivals.min())) < 0.8)
    }

    /// A cancelled call ends within about a second (curl's progress check), not at its timeout.
    @Test func aCancelledLongPollEndsSoon() async throws {
        let fake = try await FakeTelegram.start()
        let client = fake.client()
        let poll = Task { try await client.getUpdates(offset: 0, timeout: 30) }
        try await Task.sleep(for: .milliseconds(300))
        let started = ContinuousClock.now
        poll.cancel()
        await #expect(throws: CancellationError.self) { _ = try await poll.value }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
