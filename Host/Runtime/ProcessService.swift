import Foundation
import Logging
import MarketCore
import MarketPluginAPI
import PluginKit

/// `market.process/1`: helper programs for plugins, limited to the manifest's
/// `permissions.processes`, each in its own process group, all stopped with the instance.
enum ProcessService {
    nonisolated(unsafe) static let table = ServiceTables.table(mk_process_v1_t(
        struct_size: UInt32(MemoryLayout<mk_process_v1_t>.size),
        spawn: { host, spec, out in
            ServiceTables.serve(host) { context in
                guard let spec, spec.pointee.struct_size >= UInt32(MemoryLayout<mk_process_spec_t>.size), let out else {
                    return MK_ERR_INVALID_ARGUMENT
                }
                return spawn(context, spec.pointee, out)
            }
        },
        write: { host, handle, data in
            ServiceTables.serve(host) { context in
                guard let process = context.processes.find(handle) else { return MK_ERR_NOT_FOUND }
                return process.write(data.buffer) ? MK_OK : MK_ERR_UNAVAILABLE
            }
        },
        read: { host, handle, timeout, out in
            ServiceTables.serve(host) { context in
                guard let process = context.processes.find(handle) else { return MK_ERR_NOT_FOUND }
                switch process.read(timeout: Int32(clamping: timeout)) {
                case .data(let bytes): return PluginKit.write(bytes, to: out).rawValue
                case .timedOut: return MK_ERR_TIMEOUT
                case .ended: return MK_ERR_UNAVAILABLE
                }
            }
        },
        stop: { host, handle, grace, status in
            ServiceTables.serve(host) { context in
                guard let process = context.processes.remove(handle) else { return MK_ERR_NOT_FOUND }
                let exit = process.stop(grace: min(grace, 30_000))
                status?.pointee = exit
                return MK_OK
            }
        }
    ))

    private static func spawn(_ context: InstanceContext, _ spec: mk_process_spec_t, _ out: UnsafeMutablePointer<UInt64>) -> mk_status_t {
        let program = spec.program.string
        guard context.allowedPrograms.contains(program) else {
            context.denied("process \(program)", fix: "add \"\(program)\" to permissions.processes in plugin.json")
            return MK_ERR_PERMISSION_DENIED
        }
        guard let path = resolve(program) else { return MK_ERR_NOT_FOUND }
        let arguments = (0..<spec.argument_count).compactMap { spec.arguments?[$0].string }
        let extra = (0..<spec.environment_count).compactMap { spec.environment?[$0].string }
        guard arguments.count == spec.argument_count, extra.count == spec.environment_count,
              extra.allSatisfy({ $0.contains("=") && !$0.hasPrefix("=") }),
              !(arguments + extra).contains(where: { $0.contains("\0") })
        else { return MK_ERR_INVALID_ARGUMENT }
        // A small, known environment: the host's own (with its secrets) is not passed on.
        let base = ProcessInfo.processInfo.environment
        let environment = ["PATH", "HOME", "LANG"].compactMap { name in base[name].map { "\(name)=\($0)" } } + extra
        do {
            let process = try ChildProcess.spawn(path: path, arguments: arguments, environment: environment, logger: context.logger)
            out.pointee = context.processes.add(process)
            return MK_OK
        } catch {
            context.logger.warning("a helper process could not start", metadata: ["program": .string(program), "error": .string("\(error)")])
            return MK_ERR_UNAVAILABLE
        }
    }

    /// An absolute path as it is, or the first executable of that name on PATH.
    private static func resolve(_ program: String) -> String? {
        if program.hasPrefix("/") { return access(program, X_OK) == 0 ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(program)" }.first { access($0, X_OK) == 0 }
    }
}
