import Foundation
import Logging
import LoopbackLoad

// The Telegram benchmark's other side, in a process of its own so that the benchmark's figures
// for memory and CPU are the host's alone: a Bot API fake on loopback and the webhook load.
// It takes one command a line on standard input and answers one line on standard output:
//
//   (at start)                               → fake <port>
//   target <port> <bot id> <secret>          → ok
//   saturate <first id> <count> <conns>      → result <json>   closed loop, as fast as it goes
//   steady <first id> <count> <conns> <rate> → result <json>   open loop at <rate> updates/s
//   converse <first id> <first chat> <count> <chats> <in flight> [<pause ms>]
//                                            → replies <json>  texts in chats with histories
//   quit
//
// In saturate and steady, update i goes to chat i, so each is a conversation of its own; a result
// is printed once every chat got its sendMessage. In converse, <in flight> users each send a
// text and wait for its reply before the next, over <chats> chats (see ConversationLoad).
// "error <text>" when something failed.

func answer(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let fake = try await FakeBotAPI.start(logger: Logger(label: "fake", factory: { _ in SwiftLogNoOpLogHandler() }))
answer("fake \(fake.port)")

var target: WebhookTarget?
while let line = readLine() {
    let words = line.split(separator: " ").map(String.init)
    do {
        switch (words.first, words.count) {
        case ("target", 4):
            guard let port = Int(words[1]) else { throw LoadFailure(description: "bad port \(words[1])") }
            target = WebhookTarget(port: port, botID: words[2], secret: words[3])
            answer("ok")
        case ("saturate", 4), ("steady", 5):
            guard let target else { throw LoadFailure(description: "no target yet") }
            let numbers = words.dropFirst().compactMap { Int($0) }
            guard numbers.count == words.count - 1 else { throw LoadFailure(description: "bad numbers in '\(line)'") }
            let load = WebhookLoad(target: target, firstID: Int64(numbers[0]), count: numbers[1], connections: numbers[2])
            let phase = words[0] == "saturate" ? try Phase.saturating(load, fake: fake) : try Phase.steady(load, rate: numbers[3], fake: fake)
            answer("result " + phase.json)
        case ("converse", 6), ("converse", 7):
            guard let target else { throw LoadFailure(description: "no target yet") }
            let numbers = words.dropFirst().compactMap { Int($0) }
            guard numbers.count == words.count - 1, numbers[2] > 0, numbers[3] > 0, numbers[4] > 0, numbers.dropFirst(5).allSatisfy({ $0 >= 0 }) else { throw LoadFailure(description: "bad numbers in '\(line)'") }
            let load = ConversationLoad(target: target, firstID: Int64(numbers[0]), firstChat: Int64(numbers[1]), count: numbers[2],
                                        chats: numbers[3], inFlight: numbers[4], pause: numbers.count > 5 ? numbers[5] : 0)
            let started = monotonicNanoseconds()
            let samples = try load.run(replies: fake.replies)
            answer("replies " + ConversationPhase(samples, elapsed: monotonicNanoseconds() - started).json)
        case ("quit", _):
            exit(0)
        default:
            throw LoadFailure(description: "unknown command '\(line)'")
        }
    } catch {
        answer("error \(error)")
        exit(1)
    }
}

/// What one phase measured, in nanoseconds.
struct Phase {
    var updates: Int
    /// From the first POST to the last sendMessage.
    var elapsed: UInt64
    /// From the first POST to the last acknowledgement.
    var acked: UInt64
    /// POST (when it was due) to sendMessage, by percentile.
    var p50: UInt64
    var p99: UInt64
    var ackP99: UInt64

    var json: String {
        #"{"updates":\#(updates),"elapsed_ns":\#(elapsed),"acked_ns":\#(acked),"p50_ns":\#(p50),"p99_ns":\#(p99),"ack_p99_ns":\#(ackP99)}"#
    }

    static func saturating(_ load: WebhookLoad, fake: FakeBotAPI) throws -> Phase {
        let started = monotonicNanoseconds()
        let sent = try load.saturating()
        let acked = monotonicNanoseconds()
        return try measure(sent, started: started, acked: acked, fake: fake)
    }

    static func steady(_ load: WebhookLoad, rate: Int, fake: FakeBotAPI) throws -> Phase {
        let started = monotonicNanoseconds()
        let sent = try load.fixedRate(rate)
        let acked = monotonicNanoseconds()
        return try measure(sent, started: started, acked: acked, fake: fake)
    }

    private static func measure(_ sent: [Int64: (due: UInt64, ack: UInt64)], started: UInt64, acked: UInt64, fake: FakeBotAPI) throws -> Phase {
        let arrivals = try waitForReplies(fake, chats: sent.keys, within: 180)
        let latencies = sent.map { chat, entry in (arrivals[chat] ?? entry.due) - entry.due }.sorted()
        let acks = sent.values.map(\.ack).sorted()
        let finished = sent.keys.compactMap { arrivals[$0] }.max() ?? acked
        func percentile(_ sorted: [UInt64], _ share: Int) -> UInt64 { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, sorted.count * share / 100)] }
        return Phase(updates: sent.count, elapsed: finished - started, acked: acked - started,
                     p50: percentile(latencies, 50), p99: percentile(latencies, 99), ackP99: percentile(acks, 99))
    }

    /// Waits until every chat got its sendMessage; their arrival times.
    private static func waitForReplies(_ fake: FakeBotAPI, chats: some Collection<Int64>, within seconds: Double) throws -> [Int64: UInt64] {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while true {
            let times = fake.arrivalTimes()
            if chats.allSatisfy({ times[$0] != nil }) { return times }
            guard monotonicNanoseconds() < deadline else {
                throw LoadFailure(description: "\(chats.filter { times[$0] == nil }.count) replies did not arrive within \(seconds) s")
            }
            usleep(20_000)
        }
    }
}

/// What a conversational phase measured, in nanoseconds.
struct ConversationPhase {
    var updates: Int
    var elapsed: UInt64
    var reply: (p50: UInt64, p99: UInt64)
    var ack: (p50: UInt64, p99: UInt64)

    init(_ samples: [ConversationLoad.Sample], elapsed: UInt64) {
        func percentiles(_ values: [UInt64]) -> (p50: UInt64, p99: UInt64) {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return (0, 0) }
            return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, sorted.count * 99 / 100)])
        }
        updates = samples.count
        self.elapsed = elapsed
        reply = percentiles(samples.map(\.reply))
        ack = percentiles(samples.map(\.ack))
    }

    var json: String {
        #"{"updates":\#(updates),"elapsed_ns":\#(elapsed),"reply_p50_ns":\#(reply.p50),"reply_p99_ns":\#(reply.p99),"ack_p50_ns":\#(ack.p50),"ack_p99_ns":\#(ack.p99)}"#
    }
}
