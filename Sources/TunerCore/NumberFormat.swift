import Foundation

/// How Tuner prints numbers, everywhere (the terminal, Markdown, HTML): few significant digits, thousands
/// separated, a space before the unit.
public enum NumberFormat {
    /// A latency in milliseconds: `0.42 ms`, `12.3 ms`, `842 ms`, `12.4 s`.
    public static func millis(_ ms: Double) -> String {
        guard ms.isFinite else { return "n/a" }
        if ms >= 10_000 { return "\(significant(ms / 1000)) s" }
        return "\(significant(ms)) ms"
    }

    /// A rate: `1,234 req/s`, `42.5 req/s`.
    public static func rate(_ perSecond: Double, unit: String = "req/s") -> String {
        guard perSecond.isFinite else { return "n/a" }
        return "\(number(perSecond)) \(unit)"
    }

    /// A fraction as a percentage: `0.42%`, `12.5%`, `100%`.
    public static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "n/a" }
        let pct = fraction * 100
        if pct == 0 { return "0%" }
        if abs(pct) < 0.01 { return "<0.01%" }
        if abs(pct) < 10 { return "\(trimmed(pct, decimals: 2))%" }
        return "\(trimmed(pct, decimals: 1))%"
    }

    /// A signed relative change in percent: `+12.3%`, `−63%`.
    public static func change(_ percent: Double) -> String {
        guard percent.isFinite else { return "n/a" }
        let magnitude = abs(percent)
        let text = magnitude >= 100 ? grouped(magnitude.rounded()) : trimmed(magnitude, decimals: 1)
        if text == "0" { return "0%" }
        return (percent < 0 ? "−" : "+") + text + "%"
    }

    /// A count with thousands separators: `12,345`.
    public static func count<T: BinaryInteger>(_ n: T) -> String { grouped(Double(n)) }

    /// A plain number: whole numbers grouped, small ones with up to 3 significant digits.
    public static func number(_ v: Double) -> String {
        guard v.isFinite else { return "n/a" }
        if abs(v) >= 100 { return grouped(v.rounded()) }
        return significant(v)
    }

    /// Bytes as `1.2 GB`, `340 MB`.
    public static func bytes(_ n: Int64) -> String { ByteSize(bytes: n).humanDescription }

    /// Seconds as `30s`, `2m`, `1m30s`.
    public static func seconds(_ s: Double) -> String { Duration.nanoseconds(Int64(s * 1e9)).shortDescription }

    /// An ISO-8601 timestamp in UTC, to the second.
    public static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    /// Three significant digits, trailing zeros dropped: `0.423`, `4.23`, `42.3`, `423`.
    public static func significant(_ v: Double) -> String {
        guard v.isFinite else { return "n/a" }
        let magnitude = abs(v)
        if magnitude == 0 { return "0" }
        if magnitude >= 1000 { return grouped(v.rounded()) }
        let decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : magnitude >= 0.1 ? 3 : 4
        return trimmed(v, decimals: decimals)
    }

    private static func trimmed(_ v: Double, decimals: Int) -> String {
        var text = String(format: "%.\(decimals)f", v)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    private static func grouped(_ v: Double) -> String {
        let whole = Int64(v.rounded())
        let digits = String(whole.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return whole < 0 ? "-" + out : out
    }
}
