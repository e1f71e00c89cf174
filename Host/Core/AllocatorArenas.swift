#if canImport(Glibc)
import Glibc
#endif

/// How many arenas glibc's allocator may keep. By default it makes one for each thread that
/// allocates while the others are busy, up to eight per core, and each keeps the memory its
/// threads freed for their next allocations. A server's threads (event loops, the database
/// pool's, the plugins', the channel's) then hold many arenas of freed memory each: a limit
/// of two took about 7 MB off the Telegram benchmark's peak, at no measurable cost in CPU.
public enum AllocatorArenas {
    /// The limit a long-running server sets for itself (`market serve`).
    public static let serverLimit = 2

    /// `M_ARENA_MAX` of `<malloc.h>`.
    private static let arenaMaxOption: Int32 = -8

    /// Limits the allocator to `limit` arenas, unless `MALLOC_ARENA_MAX` says otherwise (the
    /// operator's choice wins). Call it first thing, before threads start allocating.
    /// - Returns: whether the limit was set here.
    @discardableResult
    public static func limit(to limit: Int = serverLimit, environment: [String: String]) -> Bool {
        #if canImport(Glibc)
        guard environment["MALLOC_ARENA_MAX"] == nil, limit >= 1 else { return false }
        // The Glibc module does not bring in <malloc.h>: look the function up.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        return mallopt(arenaMaxOption, Int32(limit)) == 1
        #else
        return false
        #endif
    }
}
