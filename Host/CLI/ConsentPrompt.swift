import Foundation
import MarketCore
import MarketRegistry

/// Asks for consent to permission changes: `--yes` gives it; on a terminal the operator is
/// shown the changes and asked; otherwise (a script without --yes) it is refused, and the
/// install fails with `PERMISSIONS_CHANGED` listing the changes. An operator who answers no
/// made a choice, not a mistake: the command says nothing changed and exits 1, without an
/// error or a fix (`ConsentDeclined`).
enum ConsentPrompt {
    static func consent(yes: Bool) -> Installer.Consent {
        { changes in
            if yes { return true }
            guard isatty(STDIN_FILENO) == 1, isatty(STDERR_FILENO) == 1 else { return false }
            let text = changes.map(\.description).joined(separator: "\n") + "\nAllow these permissions? [y/N] "
            FileHandle.standardError.write(Data(text.utf8))
            // Waiting for the operator takes as long as they take: a thread of its own, not the pool's.
            let answer = try await BlockingWork.runOnOwnThread { readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? "" }
            guard answer == "y" || answer == "yes" else { throw ConsentDeclined() }
            return true
        }
    }
}

/// The operator answered no at the consent prompt; nothing was installed or changed.
struct ConsentDeclined: Error {
    static let message = "nothing was installed or changed: the new permissions were declined"
}
