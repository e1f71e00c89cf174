import Foundation
import Glibc
import MarketCore
import Testing

@Suite struct AllocatorArenasTests {
    @Test func theOperatorsSettingWins() {
        #expect(!AllocatorArenas.limit(to: 2, environment: ["MALLOC_ARENA_MAX": "8"]))
    }

    /// glibc gives each new thread an arena of its own until the limit is reached; once it is,
    /// threads that start allocating share the arenas there are.
    @Test func newThreadsMakeNoArenasOnceTheLimitIsReached() throws {
        let before = try Self.arenaCount()
        #expect(AllocatorArenas.limit(to: before, environment: [:]))
        // Other tests may have made arenas meanwhile, before the limit took hold.
        let limited = try Self.arenaCount()
        let done = DispatchGroup()
        for _ in 0..<8 {
            done.enter()
            Thread.detachNewThread {
                var kept: [[UInt8]] = []
                for size in 1...2_000 { kept.append([UInt8](repeating: 1, count: size)) }
                precondition(kept.count == 2_000)
                done.leave()
            }
        }
        done.wait()
        #expect(try Self.arenaCount() <= limited)
    }

    /// The arenas `malloc_info` reports (one `<heap nr=…>` element each).
    static func arenaCount() throws -> Int {
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        let stream = try #require(open_memstream(&buffer, &size))
        // <malloc.h> is not in the Glibc module: look the function up.
        let symbol = try #require(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_info"))
        let mallocInfo = unsafeBitCast(symbol, to: (@convention(c) (Int32, UnsafeMutablePointer<FILE>) -> Int32).self)
        #expect(mallocInfo(0, stream) == 0)
        fclose(stream)
        defer { free(buffer) }
        let report = String(cString: try #require(buffer))
        return report.components(separatedBy: "<heap nr=").count - 1
    }
}
