/// Parsing and printing of durations as users write them: `250ms`, `30s`, `5m`, `1h`, `1m30s`.
extension Duration {
    /// Parses `250ms`, `30s`, `5m`, `1h`, `1m30s`, `1.5s`, `500us`, `2d`; a bare number is seconds.
    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw ParseError("empty duration; use e.g. 250ms, 30s, 5m") }
        if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 {
            self = .nanoseconds(Int64((seconds * 1e9).rounded()))
            return
        }
        var total = 0.0
        var rest = Substring(trimmed)
        while !rest.isEmpty {
            let numberPart = rest.prefix { $0.isNumber || $0 == "." }
            guard !numberPart.isEmpty, let value = Double(numberPart) else {
                throw ParseError("invalid duration '\(text)'; use e.g. 250ms, 30s, 5m, 1h")
            }
            rest = rest.dropFirst(numberPart.count)
            let unitPart = rest.prefix { $0.isLetter || $0 == "µ" }
            rest = rest.dropFirst(unitPart.count)
            guard let factor = Self.secondsPerUnit[String(unitPart).lowercased()] else {
                throw ParseError(
                    "invalid duration unit '\(unitPart)' in '\(text)'; accepted: ns, us, ms, s, m, h, d")
            }
            total += value * factor
        }
        self = .nanoseconds(Int64((total * 1e9).rounded()))
    }

    private static let secondsPerUnit: [String: Double] = [
        "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "sec": 1, "m": 60, "min": 60,
        "h": 3600, "d": 86400,
    ]

    /// The duration in seconds as a `Double`.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// The duration in whole nanoseconds (saturating).
    public var nanoseconds: Int64 {
        let parts = components
        let (whole, overflow) = parts.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return parts.seconds < 0 ? .min : .max }
        return whole &+ parts.attoseconds / 1_000_000_000
    }

    /// A short form in the syntax a duration is written in (`--duration 30s`): `850µs`, `12.3ms`, `4.2s`, `5m`, `1h30m`.
    /// Measured latencies are printed by `NumberFormat.millis` instead (`12.3 ms`).
    public var shortDescription: String {
        let s = seconds
        if s < 0.001 { return "\(Self.trim(s * 1e6))µs" }
        if s < 1 { return "\(Self.trim(s * 1e3))ms" }
        if s < 60 { return "\(Self.trim(s))s" }
        let whole = Int(s.rounded())
        let (h, m, sec) = (whole / 3600, (whole % 3600) / 60, whole % 60)
        var out = ""
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if sec > 0 || out.isEmpty { out += "\(sec)s" }
        return out
    }

    private static func trim(_ value: Double) -> String {
        let rounded = value >= 100 ? value.rounded() : (value * 10).rounded() / 10
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(rounded)
    }
}

/// A value a user wrote could not be read; the message says what is accepted.
public struct ParseError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension String {
    func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
