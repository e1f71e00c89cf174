import Foundation
import MarketCore
import MarketStore
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// LISTEN/NOTIFY on a dedicated connection.
    @Suite struct NotificationTests {
        /// The next notification, or nil after `timeout`.
        func next(_ listener: NotificationListener, timeout: Duration = .seconds(5)) async -> DatabaseNotification? {
            await withTaskGroup(of: DatabaseNotification?.self) { group in
                group.addTask {
                    var iterator = listener.notifications.makeAsyncIterator()
                    return await iterator.next()
                }
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
        }

        @Test func notificationsArriveInOrderOnTheirChannel() async throws {
            let url = try await freshDatabase()
            let listener = try await NotificationListener.start(connectionString: url, channels: ["deliveries", "other"], logger: quietLogger)
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            try await pool.withConnection { connection in
                for payload in ["one", "two", "three"] { try connection.notify(channel: "deliveries", payload: payload) }
                try connection.notify(channel: "unheard", payload: "x")
            }
            var received: [DatabaseNotification] = []
            for _ in 0..<3 {
                if let notification = await next(listener) { received.append(notification) }
            }
            #expect(received.map(\.payload) == ["one", "two", "three"])
            #expect(received.allSatisfy { $0.channel == "deliveries" && !$0.afterReconnect })
            listener.stop()
            await pool.shutdown()
        }

        @Test func aNotifyInsideATransactionArrivesOnlyAtCommit() async throws {
            struct Abort: Error {}
            let url = try await freshDatabase()
            let listener = try await NotificationListener.start(connectionString: url, channels: ["work"], logger: quietLogger)
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            await #expect(throws: Abort.self) {
                try await pool.transaction { connection in
                    try connection.notify(channel: "work", payload: "rolled back")
                    throw Abort()
                }
            }
            try await pool.transaction { connection in try connection.notify(channel: "work", payload: "committed") }
            #expect(await next(listener)?.payload == "committed")
            listener.stop()
            await pool.shutdown()
        }

        @Test func theListenerReconnectsAndSaysSo() async throws {
            let url = try await freshDatabase()
            let listener = try await NotificationListener.start(connectionString: url, channels: ["events"], logger: quietLogger)
            let pool = DatabasePool(connectionString: url, configuration: .init(size: 1), logger: quietLogger)
            pool.start()
            let killed = try await pool.query(
                "SELECT count(pg_terminate_backend(pid))::int8 AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'")
            #expect(try killed.first?.decode("n", as: Int.self) == 1)
            let marker = await next(listener)
            #expect(marker?.afterReconnect == true)
            #expect(marker?.channel == "events")
            try await pool.withConnection { connection in try connection.notify(channel: "events", payload: "again") }
            #expect(await next(listener)?.payload == "again")
            listener.stop()
            await pool.shutdown()
        }
    }
}
