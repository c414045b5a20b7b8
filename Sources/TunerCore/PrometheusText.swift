/// The Prometheus text exposition format, read: what a service's `/metrics` says.
public enum PrometheusText {
    /// One sample line: `name{label="value",…} 12.5`.
    public struct Sample: Sendable, Hashable {
        public var name: String
        public var labels: [String: String]
        public var value: Double

        public init(name: String, labels: [String: String] = [:], value: Double) {
            self.name = name
            self.labels = labels
            self.value = value
        }
    }

    /// Parses every sample line; comments, blank lines and lines it cannot read are skipped.
    public static func parse(_ text: String) -> [Sample] {
        var samples: [Sample] = []
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = Substring(rawLine)
            guard let first = line.first(where: { !$0.isWhitespace }), first != "#" else { continue }
            if let sample = parseLine(line) { samples.append(sample) }
        }
        return samples
    }

    static func parseLine(_ line: Substring) -> Sample? {
        var rest = line.drop { $0.isWhitespace }
        let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard !name.isEmpty else { return nil }
        rest = rest.dropFirst(name.count)
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while let c = rest.first, c != "}" {
                rest = rest.drop { $0 == "," || $0.isWhitespace }
                if rest.first == "}" { break }
                let key = rest.prefix { $0 != "=" }
                rest = rest.dropFirst(key.count)
                guard rest.first == "=" else { return nil }
                rest = rest.dropFirst()
                guard rest.first == "\"" else { return nil }
                rest = rest.dropFirst()
                var value = ""
                var escaped = false
                while let ch = rest.first {
                    rest = rest.dropFirst()
                    if escaped {
                        value.append(ch == "n" ? "\n" : ch)
                        escaped = false
                    } else if ch == "\\" {
                        escaped = true
                    } else if ch == "\"" {
                        break
                    } else {
                        value.append(ch)
                    }
                }
                labels[String(key).trimmingWhitespace()] = value
            }
            guard rest.first == "}" else { return nil }
            rest = rest.dropFirst()
        }
        let fields = rest.split(whereSeparator: \.isWhitespace)
        guard let valueText = fields.first else { return nil }
        let value: Double?
        switch valueText {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default: value = Double(valueText)
        }
        guard let value else { return nil }
        return Sample(name: String(name), labels: labels, value: value)
    }

    /// The q-quantile (0…1) of a cumulative histogram given as (upper bound, cumulative count) buckets,
    /// interpolated linearly inside the bucket as Prometheus' `histogram_quantile` does.
    public static func quantile(_ q: Double, buckets: [(upperBound: Double, count: Double)]) -> Double? {
        let sorted = buckets.sorted { $0.upperBound < $1.upperBound }
        guard let total = sorted.last?.count, total > 0 else { return nil }
        let rank = q * total
        var previousBound = 0.0
        var previousCount = 0.0
        for bucket in sorted {
            if bucket.count >= rank {
                if bucket.upperBound.isInfinite { return previousBound }
                let inBucket = bucket.count - previousCount
                guard inBucket > 0 else { return bucket.upperBound }
                return previousBound + (bucket.upperBound - previousBound) * (rank - previousCount) / inBucket
            }
            previousBound = bucket.upperBound
            previousCount = bucket.count
        }
        return sorted.last?.upperBound
    }
}
