/// Waits until `condition` holds, polling every 50 ms; fails after `seconds`.
func eventually(within seconds: Double, _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw HTTPTestFailure("timed out after \(seconds) s waiting until \(what)")
}
