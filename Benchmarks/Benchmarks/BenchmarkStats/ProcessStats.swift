import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// CPU time and resident memory of processes, from /proc.
public enum ProcessStats {
    /// CPU time (user and system) a process has used, in seconds; with `children`, also that of
    /// its children it has waited for (a PostgreSQL postmaster's ended backends).
    public static func cpuSeconds(_ pid: Int32, children: Bool = false) -> Double {
        guard let fields = statFields(pid) else { return 0 }
        // After the command's ")": state is field 3, utime 14, stime 15, cutime 16, cstime 17.
        let ticks = (11...(children ? 14 : 12)).reduce(0) { $0 + (Int(fields[$1]) ?? 0) }
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The CPU seconds of a PostgreSQL cluster: its postmaster (with ended children) and the
    /// processes it runs now.
    public static func clusterCPUSeconds(dataDirectory: URL) -> Double {
        guard let text = try? String(contentsOf: dataDirectory.appendingPathComponent("postmaster.pid"), encoding: .utf8),
              let postmaster = text.split(separator: "\n").first.flatMap({ Int32($0) }) else { return 0 }
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
        let children = pids.filter { statFields($0).map { Int32($0[1]) == postmaster } ?? false }
        return cpuSeconds(postmaster, children: true) + children.reduce(0) { $0 + cpuSeconds($1) }
    }

    /// The resident set of this process, in bytes (from /proc/self/statm).
    public static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let pages = text.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The fields of /proc/<pid>/stat after the command name, from the state on.
    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }
}
