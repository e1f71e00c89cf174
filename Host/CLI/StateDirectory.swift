import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Market's state directory, one rule for every command: `--state-dir`, else `$MARKET_HOME`,
/// else `/var/lib/market` for root, else `~/.market`. Root gets the system folder because the
/// private cluster runs as the `postgres` user, which cannot traverse `/root`, and because a
/// Debian service keeps its state under `/var/lib`.
enum StateDirectory {
    static let variable = "MARKET_HOME"
    static let systemFolder = URL(fileURLWithPath: "/var/lib/market")

    /// The folder the rule picks; an empty `$MARKET_HOME` counts as unset.
    static func resolve(option: String?, environment: [String: String], isRoot: Bool, home: URL) -> URL {
        if let option, !option.isEmpty { return URL(fileURLWithPath: option) }
        if let value = environment[variable], !value.isEmpty { return URL(fileURLWithPath: value) }
        return isRoot ? systemFolder : home.appendingPathComponent(".market")
    }

    /// Before the rule was one, root's `market install` and the tenant commands kept their state
    /// in `~/.market` while `market serve` used `/var/lib/market`. When root gets the default, the
    /// system folder holds nothing yet and the old folder holds something, this says where it is
    /// and how to keep using it.
    static func legacyNotice(option: String?, environment: [String: String], isRoot: Bool, home: URL,
                             systemFolder: URL = systemFolder) -> String? {
        guard isRoot, option?.isEmpty ?? true, environment[variable]?.isEmpty ?? true else { return nil }
        let old = home.appendingPathComponent(".market")
        guard hasContent(old), !hasContent(systemFolder), old.standardizedFileURL != systemFolder.standardizedFileURL else { return nil }
        return "note: as root, Market's state directory is \(systemFolder.path) for every command; \(old.path) holds state an earlier " +
            "version kept there\nfix: move it (mv \(old.path)/* \(systemFolder.path)/) or pass --state-dir \(old.path) (or set \(variable))\n"
    }

    /// The folder for this process: the rule on its environment, user and home. The legacy notice
    /// goes to standard error once per process.
    static func current(option: String?) -> URL {
        let environment = ProcessInfo.processInfo.environment
        let home = FileManager.default.homeDirectoryForCurrentUser
        if option?.isEmpty ?? true, environment[variable]?.isEmpty ?? true { _ = noticeOnce }
        return resolve(option: option, environment: environment, isRoot: geteuid() == 0, home: home)
    }

    /// A `static let` initialiser runs once, thread-safely.
    private static let noticeOnce: Void = {
        if let notice = legacyNotice(option: nil, environment: ProcessInfo.processInfo.environment, isRoot: geteuid() == 0,
                                     home: FileManager.default.homeDirectoryForCurrentUser) {
            FileHandle.standardError.write(Data(notice.utf8))
        }
    }()

    private static func hasContent(_ folder: URL) -> Bool {
        !((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).isEmpty
    }
}
