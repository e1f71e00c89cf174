import Foundation
import PluginKit

/// One call's events on their way to Amplitude: requests of at most `batch_size` events and
/// 20 MB, and each answer followed as Amplitude documents it, so that every event ends
/// acknowledged, retried on the host's schedule, or rejected with the reason:
///
/// - 200: all of the request's events are in.
/// - 400 naming events (`events_with_invalid_fields`, `events_with_missing_fields`,
///   `events_with_invalid_id_lengths`, `silenced_events`): those are rejected with the field
///   named; Amplitude took none of the request, so the others go again at once, in a new request.
///   A 400 naming none: each event goes alone, so one bad event is rejected on its own.
/// - 413: the request is split in half and each half sent; a single event is rejected.
/// - 429: Amplitude took none of the request (docs/amplitude.md, "Throttling"): the throttled
///   events retry on the host's schedule (or are rejected once their user or device is over its
///   daily quota), and the others go again at once.
/// - 401/403, a 400 refusing the API key, 5xx, a timeout or no connection: all retry.
struct Upload {
    /// Enough for Amplitude's answer about 2000 events; a longer one is read as far as this.
    static let maximumAnswerBytes: UInt64 = 1 << 20

    let host: PluginHost
    let settings: AmplitudeSettings
    let apiKey: String
    let tenantID: String
    let context: CallContext

    func send(_ events: [AmplitudeEvent]) -> [EventBatchOutcome] {
        var outcomes: [EventBatchOutcome] = []
        outcomes.reserveCapacity(events.count)
        var first = 0
        while first < events.count {
            var end = first
            var bytes = 128 + apiKey.utf8.count
            while end < events.count, end - first < settings.batchSize,
                  end == first || bytes + events[end].json.count + 1 <= AmplitudeSettings.maximumRequestBytes {
                bytes += events[end].json.count + 1
                end += 1
            }
            outcomes += deliver(Array(events[first..<end]))
            first = end
        }
        return outcomes
    }

    /// Sends `events` in one request and follows the answer; one outcome per event, in order.
    func deliver(_ events: [AmplitudeEvent]) -> [EventBatchOutcome] {
        guard !context.isCancelled else { return retryAll(events, "the delivery call ran out of time before Amplitude was asked") }
        let answer: UploadAnswer
        switch post(events) {
        case .failure(let why): return retryAll(events, why)
        case .success(let received): answer = received
        }
        switch answer.status {
        case 200...299:
            try? host.record(.counter, "events_sent_total", Double(events.count))
            return Array(repeating: .acknowledged, count: events.count)
        case 400 where answer.refusesKey:
            return retryAll(events, keyFix("HTTP 400, invalid API key"))
        case 400:
            return refused(events, answer)
        case 413:
            guard events.count > 1 else { return [.rejected("Amplitude refused the event as too large (HTTP 413)")] }
            let half = events.count / 2
            return deliver(Array(events[..<half])) + deliver(Array(events[half...]))
        case 429:
            return throttled(events, answer)
        case 401, 403:
            return retryAll(events, keyFix("HTTP \(answer.status)"))
        default:
            return retryAll(events, "Amplitude answered HTTP \(answer.status)\(answer.summary(hiding: apiKey))")
        }
    }

    private func refused(_ events: [AmplitudeEvent], _ answer: UploadAnswer) -> [EventBatchOutcome] {
        let reasons = answer.eventReasons(count: events.count)
        guard reasons.isEmpty else {
            return resend(events, settled: reasons.mapValues { .rejected("Amplitude refused the event (HTTP 400): \($0)") })
        }
        guard events.count > 1 else {
            return [.rejected("Amplitude refused the event (HTTP 400)\(answer.summary(hiding: apiKey))")]
        }
        return events.flatMap { deliver([$0]) }
    }

    private func throttled(_ events: [AmplitudeEvent], _ answer: UploadAnswer) -> [EventBatchOutcome] {
        let throttled = answer.throttledEvents.filter { events.indices.contains($0) }
        guard !throttled.isEmpty else {
            return retryAll(events, "Amplitude throttled the request (HTTP 429)\(answer.summary(hiding: apiKey))")
        }
        let limit = answer.eventsPerSecondLimit.map { "over \($0) events per second" } ?? "too many events per second"
        var settled: [Int: EventBatchOutcome] = [:]
        for index in throttled {
            let event = events[index]
            if let user = event.userID, answer.usersOverDailyQuota.contains(user) {
                settled[index] = .rejected("Amplitude refused the event (HTTP 429): its user is over Amplitude's daily quota of events")
            } else if let device = event.deviceID, answer.devicesOverDailyQuota.contains(device) {
                settled[index] = .rejected("Amplitude refused the event (HTTP 429): its device is over Amplitude's daily quota of events")
            } else {
                settled[index] = .retry("Amplitude throttled the event's user or device (HTTP 429, \(limit)): retried on the host's schedule")
            }
        }
        return resend(events, settled: settled)
    }

    /// The outcomes of `events` where `settled` decides some by index and the rest go again at
    /// once. `settled` is never empty, so each round sends fewer events and the rounds end.
    private func resend(_ events: [AmplitudeEvent], settled: [Int: EventBatchOutcome]) -> [EventBatchOutcome] {
        var outcomes = events.indices.map { settled[$0] ?? .acknowledged }
        let rest = events.indices.filter { settled[$0] == nil }
        guard !rest.isEmpty else { return outcomes }
        for (index, outcome) in zip(rest, deliver(rest.map { events[$0] })) { outcomes[index] = outcome }
        return outcomes
    }

    private func retryAll(_ events: [AmplitudeEvent], _ why: String) -> [EventBatchOutcome] {
        Array(repeating: .retry(why), count: events.count)
    }

    private func keyFix(_ what: String) -> String {
        "Amplitude refused the API key (\(what)): check the api_key secret: market secret set amplitude api_key --tenant \(tenantID)"
    }

    private enum Posted {
        case success(UploadAnswer)
        case failure(String)
    }

    private func post(_ events: [AmplitudeEvent]) -> Posted {
        var body = Array(#"{"api_key":"#.utf8)
        body.reserveCapacity(events.reduce(160) { $0 + $1.json.count + 1 })
        body += (try? Array(JSONEncoder().encode(apiKey))) ?? Array(#""""#.utf8)
        body += Array(#","events":["#.utf8)
        for (index, event) in events.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += event.json
        }
        // Market's ids (conversation:…, a chat user's) may be shorter than Amplitude's default 5.
        body += Array(#"],"options":{"min_id_length":1}}"#.utf8)
        let request = HTTPRequest(method: "POST", url: settings.uploadURL, headers: [("content-type", "application/json"), ("accept", "*/*")],
                                  body: body, timeoutMilliseconds: settings.timeoutMilliseconds,
                                  maxResponseBytes: Self.maximumAnswerBytes, acceptsTruncatedBody: true)
        try? host.record(.counter, "requests_total", 1)
        do {
            let response = try host.fetch(request, context: context)
            return .success(UploadAnswer(status: response.status, body: response.body))
        } catch let failure as PluginError {
            return .failure(describe(failure.status))
        } catch {
            return .failure("Amplitude could not be reached at \(settings.uploadURL)")
        }
    }

    private func describe(_ failure: Status) -> String {
        let url = settings.uploadURL
        switch failure {
        case .permissionDenied:
            return "\(url) is not a host the amplitude plugin may reach: add it to permissions.network (or --allow-network for a private address)"
        case .timeout: return "Amplitude did not answer within \(settings.timeoutMilliseconds) ms (\(url))"
        case .invalidArgument: return "\(url) is not a usable URL: check the host setting"
        case .cancelled: return "the delivery call was cancelled before Amplitude answered (\(url))"
        default: return "Amplitude could not be reached at \(url) (\(failure))"
        }
    }
}
