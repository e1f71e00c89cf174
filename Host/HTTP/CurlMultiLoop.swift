import CCurl
import Foundation
import Synchronization

/// Runs `HTTPClient.send`'s transfers (the Bot API's calls, the registry's downloads) on one
/// thread with libcurl's multi interface: any number at once, sharing one connection cache. A
/// blocking transfer per thread had capped the calls in flight at the threads there were
/// (eight), which a bot host with many bots, each call taking tens of milliseconds to reach
/// Telegram, would soon have hit.
final class CurlMultiLoop: Sendable {
    static let shared = CurlMultiLoop()

    /// Unchecked: once handed over, an easy handle is used by the loop's thread alone until its
    /// transfer is done; the multi handle is used by that thread alone but for `curl_multi_wakeup`,
    /// which libcurl allows from any thread.
    private struct Pointer: @unchecked Sendable, Hashable { let value: UnsafeMutableRawPointer }

    private struct Transfer: Sendable {
        let easy: Pointer
        let done: @Sendable (CURLcode) -> Void
    }

    private let multi: Pointer?
    private let incoming = Mutex<[Transfer]>([])

    private init() {
        // curl_global_init has run: HTTPClient checks it before any transfer.
        multi = curl_multi_init().map(Pointer.init)
        guard let multi else { return }
        // The loop holds the instance for good: it is the process's one and only.
        let thread = Thread { [self] in run(multi) }
        thread.name = "market-curl"
        thread.start()
    }

    /// Performs the transfer `easy` is set up for; returns how it ended. The handle is the
    /// caller's again when this returns.
    func perform(_ easy: UnsafeMutableRawPointer) async -> CURLcode {
        guard let multi else { return CURLE_FAILED_INIT }
        return await withCheckedContinuation { continuation in
            incoming.withLock { $0.append(Transfer(easy: Pointer(value: easy), done: { continuation.resume(returning: $0) })) }
            _ = curl_multi_wakeup(multi.value)
        }
    }

    /// The loop: takes new transfers, drives them all, answers those that ended, and waits for
    /// sockets, a wake-up or a second (curl's own timers, the cancellation checks) to pass.
    private func run(_ multi: Pointer) {
        var active: [Pointer: Transfer] = [:]
        while true {
            for transfer in incoming.withLock({ taken in defer { taken.removeAll() }; return taken }) {
                if curl_multi_add_handle(multi.value, transfer.easy.value) == CURLM_OK {
                    active[transfer.easy] = transfer
                } else {
                    transfer.done(CURLE_FAILED_INIT)
                }
            }
            var running: Int32 = 0
            _ = curl_multi_perform(multi.value, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi.value, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let result = message.pointee.data.result
                _ = curl_multi_remove_handle(multi.value, easy)
                active.removeValue(forKey: Pointer(value: easy))?.done(result)
            }
            _ = curl_multi_poll(multi.value, nil, 0, 1000, nil)
        }
    }
}
