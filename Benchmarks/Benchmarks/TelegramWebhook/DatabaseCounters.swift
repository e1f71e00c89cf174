import Foundation
import MarketStore

/// PostgreSQL's own counts of the work done for the benchmark's database: commits, WAL writes
/// and syncs, and rows read from the tables (by sequential and index scans).
struct DatabaseCounters {
    var commits: Double
    var walWrites: Double
    var walSyncs: Double
    var rowsRead: Double

    /// The counts once every backend has reported: PostgreSQL 15 flushes a backend's counts at
    /// most once a second while busy and within 10 s of going idle, so this waits 11 s first.
    static func settled(_ pool: DatabasePool) async throws -> DatabaseCounters {
        try await Task.sleep(for: .seconds(11))
        let rows = try await pool.query("""
            SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())::float8 AS commits,
                   (SELECT wal_write FROM pg_stat_wal)::float8 AS wal_writes,
                   (SELECT wal_sync FROM pg_stat_wal)::float8 AS wal_syncs,
                   (SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) FROM pg_stat_user_tables)::float8 AS rows_read
            """)
        guard let row = rows.first else { throw CocoaError(.fileReadUnknown) }
        return DatabaseCounters(commits: try row.decode("commits"), walWrites: try row.decode("wal_writes"),
                                walSyncs: try row.decode("wal_syncs"), rowsRead: try row.decode("rows_read"))
    }

    /// Each count's growth from `earlier`, per one of `updates`.
    func since(_ earlier: DatabaseCounters, per updates: Int) -> DatabaseCounters {
        let per = { (now: Double, then: Double) in (now - then) / Double(max(1, updates)) }
        return DatabaseCounters(commits: per(commits, earlier.commits), walWrites: per(walWrites, earlier.walWrites),
                                walSyncs: per(walSyncs, earlier.walSyncs), rowsRead: per(rowsRead, earlier.rowsRead))
    }

    var summary: String {
        String(format: "%.2f commits, %.2f WAL writes, %.2f WAL syncs, %.1f rows read", commits, walWrites, walSyncs, rowsRead)
    }
}
