extension Duration {
    /// The duration in seconds, fractions included (for SQL intervals and retry arithmetic).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration in whole milliseconds, rounded down (for latencies in events and rows).
    public var inMilliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}

extension Duration {
    /// A duration written for people: a number of seconds, or a number with `s`, `m`, `h` or `d`
    /// (`90`, `30s`, `5m`, `24h`, `5d`); nil for anything else or a negative value.
    public init?(spelled text: String) {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let trimmed = String(text.filter { $0 != " " })
        var number = Substring(trimmed), scale = 1.0
        if let last = trimmed.last, let unit = units[last] {
            number = trimmed.dropLast()
            scale = unit
        }
        guard let value = Double(number), value.isFinite, value >= 0, value * scale < 1e10 else { return nil }
        self = .milliseconds(Int64((value * scale * 1000).rounded()))
    }
}
