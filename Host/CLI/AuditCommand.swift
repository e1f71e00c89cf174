import ArgumentParser
import MarketCore
import MarketStore

/// `market audit [--tenant T] [--limit N]`
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show the audit log, newest first: who changed what, and when (never a secret's value)."
    )

    @Option(help: "Only this tenant's entries.")
    var tenant: String?

    @Option(help: "At most this many entries (1–1000).")
    var limit: Int = 50

    @OptionGroup var options: TenantOptions

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
    }

    func run() async throws {
        try await reportingTenantErrors {
            let entries = try await options.withStore { store, principal in try await store.auditLog(tenant: tenant, limit: limit, by: principal) }
            if options.output.json {
                try options.output.printJSON(encoding: entries)
            } else if entries.isEmpty {
                print(tenant.map { "no audit entries for tenant \($0)" } ?? "the audit log is empty")
            } else {
                for entry in entries {
                    let details = entry.details == .object([:]) ? "" : " \(entry.details.jsonText)"
                    print("\(shortDate(entry.at))  \(entry.tenantID ?? "-")  \(entry.actor)  \(entry.action) \(entry.target)\(details)")
                }
            }
        }
    }
}
