import Foundation
import MarketCore

#if canImport(Glibc)
import Glibc
#endif

/// Runs a program (`initdb`, `pg_ctl`, `psql`, …) to completion and collects its output
/// (standard output and error together). Blocks the calling thread: call it from a thread
/// pool, never from the cooperative pool.
enum Subprocess {
    struct Outcome {
        let status: Int32
        let output: String
    }

    /// When `user` is given, runs the program as that user through `runuser` (which needs root).
    static func run(_ executable: String, _ arguments: [String], as user: String? = nil, in directory: URL? = nil) throws -> Outcome {
        let child: SpawnedProcess
        do {
            child = try ChildSpawner.spawn(.init(executable, arguments, directory: directory?.path, user: user, stdout: .pipe, stderr: .output))
        } catch {
            throw MarketError(.clusterFailed, "cannot run \(URL(fileURLWithPath: executable).lastPathComponent) (errno \(error.code))",
                              fix: "check that postgresql is installed and executable")
        }
        let output = SpawnedProcess.readToEnd(child.stdout)
        close(child.stdout)
        let status = switch child.wait() {
        case .exited(let code): code
        case .signalled(let signal): 128 + signal
        }
        return Outcome(status: status, output: String(decoding: output, as: UTF8.self))
    }
}
