import Foundation
import LoopbackLoad
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An AI bot's load: `count` text messages spread over `chats` private chats whose histories
/// grow, with `inFlight` users each waiting for the reply to their message before sending the
/// next, as people in a chat do. Update i goes to chat `firstChat + i % chats` and says
/// `m<id>` and a sentence, which the echo model answers with.
struct ConversationLoad {
    let target: WebhookTarget
    let firstID: Int64
    let firstChat: Int64
    let count: Int
    let chats: Int
    let inFlight: Int
    /// Each user's pause between a reply and their next message, in milliseconds.
    var pause: Int = 0

    /// One update's figures, in nanoseconds.
    struct Sample {
        var ack: UInt64
        var reply: UInt64
    }

    func run(replies: ReplyWaiters) throws -> [Sample] {
        let samples = Mutex<[Sample]>([])
        let failures = Mutex<[String]>([])
        let done = DispatchGroup()
        let target = target
        for user in 0..<inFlight {
            done.enter()
            let socket = try Loopback.connect(target.port)
            Thread.detachNewThread { [firstID, firstChat, count, chats, inFlight, pause] in
                defer { close(socket); done.leave() }
                var reader = ResponseReader(socket: socket)
                var mine: [Sample] = []
                for index in stride(from: user, to: count, by: inFlight) {
                    if pause > 0, index >= inFlight { usleep(UInt32(pause) * 1000) }
                    let id = firstID + Int64(index)
                    let chat = firstChat + Int64(index % chats)
                    replies.expect(id)
                    let text = "m\(id) how many words are there in this message of mine, would you say?"
                    let sent = monotonicNanoseconds()
                    guard Loopback.send(socket, target.request(target.textUpdate(id, chat: chat, text: text))), reader.readResponse() == 200 else {
                        failures.withLock { $0.append("update \(id) was not acknowledged") }
                        return
                    }
                    let acked = monotonicNanoseconds()
                    guard let arrived = replies.wait(id, seconds: 60) else {
                        failures.withLock { $0.append("no reply to update \(id) in chat \(chat) within 60 s") }
                        return
                    }
                    mine.append(Sample(ack: acked - sent, reply: arrived - sent))
                }
                samples.withLock { $0 += mine }
            }
        }
        done.wait()
        if let failure = failures.withLock({ $0.first }) { throw LoadFailure(description: failure) }
        return samples.withLock { $0 }
    }
}
