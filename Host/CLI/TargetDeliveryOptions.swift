import ArgumentParser
import MarketCore
import MarketStore

/// How `market serve` retries, pauses and disables delivery targets (webhook endpoints);
/// docs/webhooks.md explains each rule.
struct TargetDeliveryOptions: ParsableArguments {
    @Option(help: "When a target's message is tried: seconds before each attempt after the one before, comma-separated, starting with 0 (default: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).")
    var targetRetrySchedule: String = "0,5,300,1800,7200,18000,36000,36000"

    @Option(help: "Disable a target that fails without a single success for this long (seconds, or with s, m, h or d: 5d).")
    var targetDisableAfter: String = "5d"

    @Option(help: "Failures in a row that pause a target (its circuit breaker); its messages wait without using attempts.")
    var targetBreakerFailures: Int = 5

    func validate() throws {
        _ = try policy()
    }

    /// - Throws: `ValidationError` naming the option and its fix.
    func policy() throws -> TargetPolicy {
        let retries: RetrySchedule
        do {
            retries = try RetrySchedule(attemptTimes: targetRetrySchedule)
        } catch let error as MarketError {
            throw ValidationError("--target-retry-schedule: \(error.message); \(error.fix)")
        }
        guard let disableAfter = Duration(spelled: targetDisableAfter), disableAfter > .zero else {
            throw ValidationError("--target-disable-after must be a duration such as 5d, 12h or 3600")
        }
        guard (1...1000).contains(targetBreakerFailures) else { throw ValidationError("--target-breaker-failures must be 1 to 1000") }
        return TargetPolicy(retries: retries, breakerFailures: targetBreakerFailures, disableAfter: disableAfter)
    }
}
