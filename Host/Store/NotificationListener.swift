import CLibPQ
import Foundation
import Logging
import MarketCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A `NOTIFY` received on a channel.
public struct DatabaseNotification: Sendable, Equatable {
    /// The channel it was sent on.
    public let channel: String
    /// The text sent with it (empty for none and for the reconnect marker).
    public let payload: String
    /// The server process that sent it.
    public let senderPID: Int32
    /// True for the marker sent after the listener reconnected: notifications may have been
    /// missed meanwhile, so whoever relies on them should look at the tables again.
    public let afterReconnect: Bool
}

/// Listens on channels over a dedicated connection and a thread of its own, which sleeps in
/// `poll` until the server sends something. A broken connection is reopened (with backoff)
/// and the channels listened to again; a notification with `afterReconnect` then says so.
public final class NotificationListener: Sendable {
    /// Every notification on the channels, in the order the server sent them.
    public let notifications: AsyncStream<DatabaseNotification>

    private let continuation: AsyncStream<DatabaseNotification>.Continuation
    private let connectionString: String
    private let channels: [String]
    private let logger: Logger
    private let connection: Mutex<PostgresConnection?>
    /// Written to by `stop` to wake the thread from `poll`.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// Connects, listens on `channels`, and starts the listening thread.
    public static func start(connectionString: String, channels: [String], logger: Logger) async throws -> NotificationListener {
        let connection = try await BlockingWork.run {
            try Self.open(connectionString, channels)
        }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            connection.close()
            throw MarketError(.databaseUnavailable, "cannot create the listener's wake-up pipe (errno \(errno))", fix: "raise the process's file limit")
        }
        let listener = NotificationListener(connectionString, channels, connection, pipeEnds[0], pipeEnds[1], logger)
        Thread.detachNewThread { listener.run() }
        return listener
    }

    private init(_ connectionString: String, _ channels: [String], _ connection: PostgresConnection, _ wakeRead: Int32, _ wakeWrite: Int32, _ logger: Logger) {
        (notifications, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        self.connectionString = connectionString
        self.channels = channels
        self.connection = Mutex(connection)
        self.wakeRead = wakeRead
        self.wakeWrite = wakeWrite
        self.logger = logger
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Stops listening; the stream finishes.
    public func stop() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private static func open(_ connectionString: String, _ channels: [String]) throws -> PostgresConnection {
        let connection = try PostgresConnection.connect(connectionString)
        for channel in channels {
            try connection.run("LISTEN \"\(channel.replacingOccurrences(of: "\"", with: "\"\""))\"")
        }
        return connection
    }

    private func run() {
        var backoff = 0.1
        while true {
            guard let current = connection.withLock({ $0 }) else { break }
            let socket = (try? current.withHandle { handle, _ in PQsocket(handle) }) ?? -1
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0), pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, socket >= 0 ? 2 : 1, -1)
            if ready < 0, errno == EINTR { continue }
            if fds[0].revents != 0 { break }
            if let received = try? receive(on: current) {
                received.forEach { continuation.yield($0) }
                backoff = 0.1
                continue
            }
            current.close()
            logger.warning("the notification connection broke; reconnecting")
            while !sleepUnlessStopped(seconds: backoff) {
                if let fresh = try? Self.open(connectionString, channels) {
                    connection.withLock { $0 = fresh }
                    for channel in channels {
                        continuation.yield(DatabaseNotification(channel: channel, payload: "", senderPID: 0, afterReconnect: true))
                    }
                    break
                }
                backoff = min(backoff * 2, 5)
            }
            if connection.withLock({ $0 }) === current { break }
        }
        connection.withLock { connection in
            connection?.close()
            connection = nil
        }
        continuation.finish()
    }

    /// Reads what arrived; throws when the connection broke.
    private func receive(on connection: PostgresConnection) throws -> [DatabaseNotification] {
        try connection.withHandle { handle, _ in
            guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else {
                throw MarketError(.databaseUnavailable, "the notification connection broke")
            }
            var received: [DatabaseNotification] = []
            while let notify = PQnotifies(handle) {
                received.append(DatabaseNotification(channel: String(cString: notify.pointee.relname), payload: String(cString: notify.pointee.extra),
                                                     senderPID: notify.pointee.be_pid, afterReconnect: false))
                PQfreemem(notify)
            }
            return received
        }
    }

    /// Waits `seconds`; true when `stop` was called meanwhile.
    private func sleepUnlessStopped(seconds: Double) -> Bool {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        return poll(&fds, 1, Int32(seconds * 1000)) > 0
    }
}

extension PostgresConnection {
    /// Sends `payload` to the listeners of `channel` (`pg_notify`), at commit when inside a transaction.
    public func notify(channel: String, payload: String = "") throws {
        _ = try query("SELECT pg_notify($1, $2)", channel, payload)
    }
}
