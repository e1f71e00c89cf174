import MarketPluginAPI

/// Collects what the other side writes to an `mk_sink_t`, up to a size cap.
///
/// Not thread-safe: a sink is written only on the thread of the call it was passed to.
public final class SinkBuffer {
    public private(set) var bytes: [UInt8] = []
    public let limit: Int
    /// Set when a write was refused because it would pass `limit`.
    public private(set) var overflowed = false

    public init(limit: Int = .max) {
        self.limit = limit
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        overflowed = false
    }

    func append(_ pointer: UnsafePointer<CChar>?, _ count: Int) -> mk_status_t {
        guard count > 0, let pointer else { return MK_OK }
        guard count <= limit - bytes.count else {
            overflowed = true
            return MK_ERR_TOO_LARGE
        }
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: count))
        return MK_OK
    }

    /// Runs `body` with an `mk_sink_t` that appends to this buffer, valid only inside `body`.
    public func withSink<Result>(_ body: (UnsafeMutablePointer<mk_sink_t>) throws -> Result) rethrows -> Result {
        var sink = mk_sink_t(
            struct_size: UInt32(MemoryLayout<mk_sink_t>.size),
            ctx: Unmanaged.passUnretained(self).toOpaque(),
            write: { context, pointer, count in
                guard let context else { return MK_ERR_INTERNAL }
                return Unmanaged<SinkBuffer>.fromOpaque(context).takeUnretainedValue().append(pointer, count)
            }
        )
        return try withExtendedLifetime(self) { try body(&sink) }
    }
}

/// Writes `bytes` to a sink the other side provided; a NULL sink swallows the output.
@discardableResult
public func write(_ bytes: some Collection<UInt8>, to sink: UnsafeMutablePointer<mk_sink_t>?) -> Status {
    guard let sink, let writer = sink.pointee.write else { return .ok }
    let status = bytes.withContiguousStorageIfAvailable { buffer in
        writer(sink.pointee.ctx, UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), buffer.count)
    } ?? Array(bytes).withUnsafeBufferPointer { buffer in
        writer(sink.pointee.ctx, UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), buffer.count)
    }
    return Status(code: status)
}

@discardableResult
public func write(_ text: String, to sink: UnsafeMutablePointer<mk_sink_t>?) -> Status {
    write(Array(text.utf8), to: sink)
}

/// Borrows `text` as an `mk_str_t` for the duration of `body`.
public func withBorrowedString<Result>(_ text: String, _ body: (mk_str_t) throws -> Result) rethrows -> Result {
    var text = text
    return try text.withUTF8 { buffer in
        try body(mk_str_t(ptr: UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), len: buffer.count))
    }
}

extension mk_str_t {
    /// The borrowed bytes; copy them to keep them past the call.
    public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: ptr, count: ptr == nil ? 0 : len) }
    public var string: String { String(decoding: buffer, as: UTF8.self) }
}
