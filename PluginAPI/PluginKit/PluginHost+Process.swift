import MarketPluginAPI

/// A helper program started through the host (`market.process/1`), with pipes to its stdin
/// and stdout. Stop it when done; the host stops any left when the instance goes away.
public final class HelperProcess: @unchecked Sendable {
    // @unchecked: the host's process functions are thread-safe; the handle never changes.
    private let host: PluginHost
    private let table: UnsafePointer<mk_process_v1_t>
    public let handle: UInt64

    init(host: PluginHost, table: UnsafePointer<mk_process_v1_t>, handle: UInt64) {
        self.host = host
        self.table = table
        self.handle = handle
    }

    /// Writes all of `bytes` to the program's stdin. Throws `.unavailable` once it is gone.
    public func write(_ bytes: some Collection<UInt8>) throws {
        let data = Array(bytes)
        let status = data.withUnsafeBufferPointer { buffer in
            table.pointee.write(host.raw, handle, mk_str_t(ptr: UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), len: buffer.count))
        }
        try host.check(Status(code: status), "writing to the helper")
    }

    /// Output that arrived within `timeoutMilliseconds`, or `nil` if none did. Throws
    /// `.unavailable` at the end of its output.
    public func read(timeoutMilliseconds: UInt32) throws -> [UInt8]? {
        let output = SinkBuffer()
        let status = Status(code: output.withSink { table.pointee.read(host.raw, handle, timeoutMilliseconds, $0) })
        if status == .timeout { return nil }
        try host.check(status, "reading from the helper")
        return output.bytes
    }

    /// Stops the program (closes its stdin, then SIGTERM, then SIGKILL, within the grace
    /// period) and returns its exit status, or the negated signal number.
    @discardableResult
    public func stop(graceMilliseconds: UInt32 = 1_000) -> Int32 {
        var exit: Int32 = 0
        _ = table.pointee.stop(host.raw, handle, graceMilliseconds, &exit)
        return exit
    }
}

extension PluginHost {
    /// Starts `program` (listed in the manifest's `permissions.processes`) with `arguments` and
    /// extra environment variables.
    public func spawn(_ program: String, arguments: [String] = [], environment: [String: String] = [:]) throws -> HelperProcess {
        guard let table = processTable else { throw PluginError(.unsupported, "the host does not run helper programs") }
        let entries = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        var handle: UInt64 = 0
        let status = withBorrowedStrings([program] + arguments + entries) { strings in
            let arguments = Array(strings[1..<(1 + arguments.count)])
            let variables = Array(strings[(1 + arguments.count)...])
            return arguments.withUnsafeBufferPointer { arguments in
                variables.withUnsafeBufferPointer { variables in
                    var spec = mk_process_spec_t(
                        struct_size: UInt32(MemoryLayout<mk_process_spec_t>.size), program: strings[0],
                        arguments: arguments.baseAddress, argument_count: arguments.count,
                        environment: variables.baseAddress, environment_count: variables.count)
                    return table.pointee.spawn(raw, &spec, &handle)
                }
            }
        }
        try check(Status(code: status), "starting \(program)")
        return HelperProcess(host: self, table: table, handle: handle)
    }
}
