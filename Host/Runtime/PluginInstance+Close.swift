import MarketCore
import MarketPluginAPI
import Synchronization

extension PluginInstance {
    /// Refuses new calls, waits for the calls in flight to return, then destroys the plugin's
    /// instance on its thread and stops the instance's threads.
    public func close() async {
        await close(waitingAtMost: nil)
    }

    /// Closes the instance as `close()` does, but waits at most `grace` (nil: as long as it
    /// takes) for the calls in flight. A call that ran past its deadline has already returned
    /// `TIMEOUT` to its caller, yet its plugin may never return (a loop), and nothing in process
    /// can stop it; a caller that must not hang on it (a command about to exit) passes a grace.
    /// - Returns: false when a call was still inside the plugin at the end of the grace. The
    ///   instance is then destroyed, and its thread stopped, only once that call returns, if
    ///   ever: never under a running call. True when the instance was destroyed (or closed before).
    @discardableResult
    public func close(waitingAtMost grace: Duration?) async -> Bool {
        guard gate.close() else { return true }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let answer = ResumeOnce(continuation)
            let timer = grace.map { grace in CancellableTimer(after: grace) { answer.resume(false) } }
            // Runs on the thread of the last call to leave, or here when none is inside.
            gate.whenDrained {
                Task {
                    await self.tearDown()
                    timer?.cancel()
                    answer.resume(true)
                }
            }
        }
    }

    /// Destroys the plugin's instance on its thread, stops its processes and, when the instance
    /// owns its threads, stops them. Only once the gate is closed and drained.
    private func tearDown() async {
        let destroy = library.descriptor.pointee.destroy
        // The handle is the plugin's; after the gate drained, nothing else uses it.
        let handle = UncheckedSendable(handle)
        let processes = context.processes
        _ = try? await executor.run(token: CallToken(), what: "\(pluginID): destroy") {
            destroy?(handle.value)
            processes.stopAll()
        }
        if ownsExecutor { await executor.shutdown() }
    }
}

/// Resumes a continuation with the first answer given; later ones are dropped.
private final class ResumeOnce<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ value: Value) {
        let waiting = continuation.withLock { pending in
            defer { pending = nil }
            return pending
        }
        waiting?.resume(returning: value)
    }
}
