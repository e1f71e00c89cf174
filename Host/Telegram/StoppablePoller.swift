/// A long poller run as a child task of the Telegram runtime's task group, which can be stopped
/// on its own (its bot was removed or left polling mode) while the group goes on: a task group
/// cancels its children only all at once.
final class StoppablePoller: Sendable {
    let poller: LongPoller
    private let stopSignal: AsyncStream<Void>
    private let stopper: AsyncStream<Void>.Continuation

    init(_ poller: LongPoller) {
        self.poller = poller
        let (signal, stopper) = AsyncStream.makeStream(of: Void.self)
        stopSignal = signal
        self.stopper = stopper
    }

    /// Makes `run()` cancel the poller and return once the poller has released its lock.
    func stop() { stopper.finish() }

    /// Runs the poller until it ends by itself (true) or is stopped or cancelled (false).
    func run() async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { [poller] in
                await poller.run()
                return !Task.isCancelled
            }
            group.addTask { [stopSignal] in
                for await _ in stopSignal {}
                return false
            }
            let endedByItself = await group.next() ?? false
            group.cancelAll()
            return endedByItself
        }
    }
}
