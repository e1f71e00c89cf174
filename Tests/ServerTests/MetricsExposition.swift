import Foundation

/// Prometheus's text exposition format, read: each family's declared type and every sample.
struct MetricsExposition {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    /// Family name → type (`counter`, `gauge`, `histogram`, …) from the `# TYPE` lines.
    private(set) var types: [String: String] = [:]
    private(set) var samples: [Sample] = []

    init(_ text: String) {
        for line in text.split(separator: "\n").map(String.init) {
            if line.hasPrefix("# TYPE ") {
                let words = line.split(separator: " ")
                if words.count == 4 { types[String(words[2])] = String(words[3]) }
                continue
            }
            guard !line.hasPrefix("#"), let sample = Self.sample(line) else { continue }
            samples.append(sample)
        }
    }

    /// The sum of `name`'s samples whose labels include `labels`.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }.reduce(0) { $0 + $1.value }
    }

    /// `name{a="x",b="y"} 1.5` or `name 1.5`; label values may hold escaped quotes.
    private static func sample(_ line: String) -> Sample? {
        let characters = Array(line)
        var index = 0
        while index < characters.count, characters[index] != "{", characters[index] != " " { index += 1 }
        let name = String(characters[0..<index])
        var labels: [String: String] = [:]
        if index < characters.count, characters[index] == "{" {
            index += 1
            while index < characters.count, characters[index] != "}" {
                var key = ""
                while index < characters.count, characters[index] != "=" { key.append(characters[index]); index += 1 }
                index += 2  // `="`
                var value = ""
                while index < characters.count, characters[index] != "\"" {
                    if characters[index] == "\\", index + 1 < characters.count {
                        index += 1
                        value.append(characters[index] == "n" ? "\n" : characters[index])
                    } else {
                        value.append(characters[index])
                    }
                    index += 1
                }
                index += 1  // the closing quote
                labels[key.trimmingCharacters(in: [","])] = value
                if index < characters.count, characters[index] == "," { index += 1 }
            }
            index += 1  // `}`
        }
        let rest = String(characters[min(index, characters.count)...]).split(separator: " ")
        guard !name.isEmpty, let first = rest.first, let value = Double(first) else { return nil }
        return Sample(name: name, labels: labels, value: value)
    }
}
