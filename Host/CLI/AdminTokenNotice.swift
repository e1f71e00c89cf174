import Foundation
import MarketStore

/// How a newly made admin token reaches the operator: on standard error, once, never in a log
/// line (the log records only its id). Every command that may make it (`market serve`, the
/// tenant commands) prints it this way.
enum AdminTokenNotice {
    static func print(_ admin: IssuedToken) {
        FileHandle.standardError.write(Data("""
            created the admin token \(admin.info.id); it is shown only now, keep it safe:
            \(admin.token)

            """.utf8))
    }
}
