import CCurl
import Synchronization

/// Easy handles kept between transfers on the multi loop, set up again for each (connections
/// are kept by the multi handle, so transfers reuse TLS connections across handles).
final class EasyHandles: Sendable {
    /// Unchecked: a handle is used by one thread at a time, between `take` and `giveBack`.
    private struct Handle: @unchecked Sendable { let pointer: UnsafeMutableRawPointer }
    static let shared = EasyHandles()
    private let idle = Mutex<[Handle]>([])

    /// Handles kept idle at most: as many as replies commonly go out at once, so that a busy
    /// host does not make and free a handle (and its buffers) for each call.
    static let idleLimit = 64

    func take() -> UnsafeMutableRawPointer? {
        if let handle = idle.withLock({ $0.popLast() }) {
            curl_easy_reset(handle.pointer)
            return handle.pointer
        }
        return curl_easy_init()
    }

    func giveBack(_ pointer: UnsafeMutableRawPointer) {
        let kept = idle.withLock { idle in
            guard idle.count < Self.idleLimit else { return false }
            idle.append(Handle(pointer: pointer))
            return true
        }
        if !kept { curl_easy_cleanup(pointer) }
    }
}
