import Synchronization

/// A value computed once, on first use, however many threads ask for it at the same moment:
/// every caller waits for the one computation and gets its result.
///
/// A `static let` would do the same, but cannot be watched in a test; this can, so the one
/// `curl_global_init` of the process is checked under concurrent first use.
final class Once<Value: Sendable>: Sendable {
    private let state = Mutex<Value?>(nil)
    private let compute: @Sendable () -> Value

    init(_ compute: @escaping @Sendable () -> Value) {
        self.compute = compute
    }

    /// The value, computed by the first caller; later callers wait for it under the lock.
    var value: Value {
        state.withLock { stored in
            if let stored { return stored }
            let computed = compute()
            stored = computed
            return computed
        }
    }
}
