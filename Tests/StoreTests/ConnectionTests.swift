import Foundation
import MarketCore
import MarketStore
import StoreTestSupport
import Testing

extension DatabaseTests {
    /// A libpq connection: parameters, types, errors, prepared statements, transactions.
    @Suite struct ConnectionTests {
        func withConnection<Value: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> Value) async throws -> Value {
            let url = try await freshDatabase()
            return try await onThread {
                let connection = try PostgresConnection.connect(url)
                defer { connection.close() }
                return try body(connection)
            }
        }

        @Test func injectionShapedStringsAreData() async throws {
            let hostile = ["'; DROP TABLE notes; --", "\\x00\" OR 1=1", "$1", "😀 naïve\u{7}"]
            let stored = try await withConnection { connection in
                try connection.run("CREATE TABLE notes (body text)")
                for text in hostile { _ = try connection.query("INSERT INTO notes (body) VALUES ($1)", text) }
                return try connection.query("SELECT body FROM notes ORDER BY body").map { try $0.decode("body", as: String.self) }
            }
            #expect(stored == hostile.sorted())
        }

        @Test func aNULInTextIsRefusedRatherThanCut() async throws {
            let error = try await withConnection { connection in
                #expect(throws: MarketError.self) { try connection.query("SELECT $1::text", "before\u{0}after") }
            }
            #expect(error?.code == .textUnstorable)
        }

        @Test func aNULEscapedInJSONIsTextUnstorable() async throws {
            let error = try await withConnection { connection in
                #expect(throws: MarketError.self) { try connection.query("SELECT $1::text::jsonb", #"{"name":"a\u0000b"}"#) }
            }
            #expect(error?.code == .textUnstorable)
            #expect(error?.sqlState == "22P05")
        }

        @Test func nullsRoundTripAndRefuseNonOptionalReads() async throws {
            try await withConnection { connection in
                let result = try connection.query("SELECT $1::text AS a, $2::int8 AS b, $3::bytea AS c", String?.none, Int?.none, Data?.none)
                let row = try #require(result.first)
                #expect(try row.decode("a", as: String?.self) == nil)
                #expect(try row.decode("b", as: Int?.self) == nil)
                #expect(try row.decode("c", as: Data?.self) == nil)
                #expect(row.isNull(0))
                let error = #expect(throws: MarketError.self) { try row.decode("a", as: String.self) }
                #expect(error?.code == .columnInvalid)
            }
        }

        @Test func byteaRoundTripsEveryByte() async throws {
            let bytes = Data((0...255).map { UInt8($0) } + [0, 0, 255])
            let (asData, asArray, length) = try await withConnection { connection in
                let row = try #require(try connection.query("SELECT $1::bytea AS b, $2::bytea AS a, octet_length($1) AS n", bytes, [UInt8](bytes)).first)
                return (try row.decode("b", as: Data.self), try row.decode("a", as: [UInt8].self), try row.decode("n", as: Int.self))
            }
            #expect(asData == bytes)
            #expect(asArray == [UInt8](bytes))
            #expect(length == bytes.count)
        }

        @Test func typedValuesRoundTrip() async throws {
            let moment = Date(timeIntervalSince1970: 1_717_171_717.123456)
            let beforeEpoch = Date(timeIntervalSince1970: -86_400 * 365 - 0.25)
            let json = try JSONValue(parsing: #"{"b":[1,2.5,null],"a":"x"}"#)
            try await withConnection { connection in
                let row = try #require(try connection.query(
                    "SELECT $1::int8 AS big, $2::int4 AS small, $3::bool AS yes, $4::float8 AS real, $5::timestamptz AS at, $6::jsonb AS doc, $7::jsonb->>'a' AS field, $8::text AS word",
                    Int64.min, Int32.max, true, 0.1, moment, json, json, "plain").first)
                #expect(try row.decode("big", as: Int64.self) == .min)
                #expect(try row.decode("small", as: Int32.self) == .max)
                #expect(try row.decode("yes", as: Bool.self))
                #expect(try row.decode("real", as: Double.self) == 0.1)
                let read = try row.decode("at", as: Date.self)
                #expect(abs(read.timeIntervalSince(moment)) < 0.000_001)
                #expect(try row.decode("doc", as: JSONValue.self) == json)
                #expect(try row.decode("field", as: String.self) == "x")
                #expect(try row.decode(7, as: String.self) == "plain")
                #expect((#expect(throws: MarketError.self) { try row.decode("word", as: Int.self) })?.code == .columnInvalid)
                let old = try #require(try connection.query("SELECT $1::timestamptz AS at", beforeEpoch).first).decode("at", as: Date.self)
                #expect(abs(old.timeIntervalSince(beforeEpoch)) < 0.000_001)
            }
        }

        @Test func errorsCarryTheSQLStateButNeverTheStatementOrValues() async throws {
            let secret = "sk-live-very-secret"
            try await withConnection { connection in
                try connection.run("CREATE TABLE tokens (value text PRIMARY KEY)")
                _ = try connection.query("INSERT INTO tokens (value) VALUES ($1)", secret)
                let duplicate = #expect(throws: MarketError.self) { try connection.query("INSERT INTO tokens (value) VALUES ($1)", secret) }
                #expect(duplicate?.code == .queryFailed)
                #expect(duplicate?.sqlState == "23505")
                #expect(duplicate?.description.contains(secret) == false)
                #expect(duplicate?.description.contains("INSERT") == false)
                #expect(duplicate?.description.contains("23505") == true)
                #expect(duplicate.map { String(reflecting: $0) }?.contains("duplicate key") == true)

                let syntax = #expect(throws: MarketError.self) { try connection.query("SELEKT \(secret)") }
                #expect(syntax?.sqlState == "42601")
                #expect(syntax?.description.contains(secret) == false)
            }
        }

        @Test func preparedStatementsArePreparedOnce() async throws {
            let (values, count) = try await withConnection { connection in
                let values = try (1...3).map { number in
                    try #require(try connection.prepared("SELECT $1::int8 * 2 AS twice", [number]).first).decode("twice", as: Int.self)
                }
                let count = try #require(try connection.query("SELECT count(*) AS n FROM pg_prepared_statements").first).decode("n", as: Int.self)
                return (values, count)
            }
            #expect(values == [2, 4, 6])
            #expect(count == 1)
        }

        @Test func aThrowingTransactionRollsBackAndANestedOneOnlyItsPart() async throws {
            struct Abort: Error {}
            let names = try await withConnection { connection in
                try connection.run("CREATE TABLE items (name text)")
                #expect(throws: Abort.self) {
                    try connection.transaction { connection in
                        _ = try connection.query("INSERT INTO items VALUES ($1)", "lost")
                        throw Abort()
                    }
                }
                try connection.transaction { connection in
                    _ = try connection.query("INSERT INTO items VALUES ($1)", "kept")
                    try? connection.transaction { connection in
                        _ = try connection.query("INSERT INTO items VALUES ($1)", "inner")
                        throw Abort()
                    }
                }
                #expect(connection.isReusable)
                return try connection.query("SELECT name FROM items").map { try $0.decode("name", as: String.self) }
            }
            #expect(names == ["kept"])
        }

        @Test func indexLookupSettingsLastForTheirTransactionOnly() async throws {
            let settings = "SELECT current_setting('enable_seqscan') AS scan, current_setting('plan_cache_mode') AS plan"
            let seen = try await withConnection { connection in
                let inside = try connection.transaction(preferringIndexLookups: true) { connection in
                    let row = try #require(try connection.query(settings).first)
                    return [try row.decode("scan", as: String.self), try row.decode("plan", as: String.self)]
                }
                let row = try #require(try connection.query(settings).first)
                return (inside, [try row.decode("scan", as: String.self), try row.decode("plan", as: String.self)])
            }
            #expect(seen.0 == ["off", "force_generic_plan"])
            #expect(seen.1 == ["on", "auto"])
        }

        @Test func aMissingServerIsUnavailableWithAFix() async throws {
            let error = await #expect(throws: MarketError.self) {
                try await onThread { try PostgresConnection.connect("host=/tmp/no-such-folder port=5999 dbname=x connect_timeout=2") }
            }
            #expect(error?.code == .databaseUnavailable)
            #expect(error?.fix.isEmpty == false)
        }
    }
}
