import CCurl
import Synchronization

/// libcurl's process-wide set-up, which must run once before any handle is made (it is not
/// safe to run twice at once on every build of libcurl). Every transfer of the process comes
/// through `HTTPClient`, which asks for this first.
enum CurlGlobal {
    /// How many times `curl_global_init` ran; one, whatever the number of clients or threads.
    static let initCalls = Atomic<Int>(0)

    private static let setUp = Once<Bool> {
        initCalls.add(1, ordering: .relaxed)
        return curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    }

    /// Whether libcurl is ready; runs the set-up on first use.
    static var isReady: Bool { setUp.value }
}
