import CCurl
import Synchronization

/// Easy handles kept between transfers, set up again for each (`curl_easy_reset` keeps a
/// handle's open connections and DNS cache).
///
/// `shared` serves the multi loop, where connections are kept by the multi handle, so transfers
/// reuse them across handles. `blocking(_:)` serves `HTTPClient.perform`, where each handle
/// keeps its own connections: a plugin thread sending many requests to one server takes the
/// handle it gave back last, with its connection still open, instead of opening one a call.
final class EasyHandles: Sendable {
    /// Unchecked: a handle is used by one thread at a time, between `take` and `giveBack`.
    private struct Handle: @unchecked Sendable { let pointer: UnsafeMutableRawPointer }
    static let shared = EasyHandles()
    private let idle = Mutex<[Handle]>([])

    private static let blockingPools = Mutex<[AddressGuard?: EasyHandles]>([:])

    /// The pool of blocking handles for requests with `addressGuard`: one per guard, so that a
    /// connection opened without a guard's check (or under a laxer one) is never reused by a
    /// guarded request. Guards are few (the operator's setting), so the pools are too.
    static func blocking(_ addressGuard: AddressGuard?) -> EasyHandles {
        blockingPools.withLock { pools in
            if let pool = pools[addressGuard] { return pool }
            let pool = EasyHandles()
            pools[addressGuard] = pool
            return pool
        }
    }

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
