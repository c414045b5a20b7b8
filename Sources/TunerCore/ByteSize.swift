/// A size in bytes as PostgreSQL and pgtune write it: `512MB`, `16GB`, `64kB` (1 kB = 1024 bytes).
public struct ByteSize: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public var bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }

    public static func kilobytes(_ n: Int64) -> ByteSize { ByteSize(bytes: n * 1024) }
    public static func megabytes(_ n: Int64) -> ByteSize { ByteSize(bytes: n * 1024 * 1024) }
    public static func gigabytes(_ n: Int64) -> ByteSize { ByteSize(bytes: n * 1024 * 1024 * 1024) }

    /// Parses `512MB`, `16GB`, `1.5GB`, `64kB`, `8192` (bytes), `2TB`; units are case-insensitive, `B` optional.
    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingWhitespace()
        let numberPart = trimmed.prefix { $0.isNumber || $0 == "." }
        let unit = String(trimmed.dropFirst(numberPart.count)).trimmingWhitespace().lowercased()
        guard !numberPart.isEmpty, let value = Double(numberPart), value.isFinite else {
            throw ParseError("invalid size '\(text)'; use e.g. 512MB, 16GB, 64kB")
        }
        let (k, m, g, t): (Double, Double, Double, Double) = (1024, 1024 * 1024, 1024 * 1024 * 1024, 1024 * 1024 * 1024 * 1024)
        let factors: [String: Double] = [
            "": 1, "b": 1, "k": k, "kb": k, "kib": k, "m": m, "mb": m, "mib": m,
            "g": g, "gb": g, "gib": g, "t": t, "tb": t, "tib": t,
        ]
        guard let factor = factors[unit] else {
            throw ParseError("invalid size unit '\(unit)' in '\(text)'; accepted: B, kB, MB, GB, TB")
        }
        guard value > 0 else { throw ParseError("size must be greater than zero, got '\(text)'") }
        let bytes = (value * factor).rounded()
        guard bytes < Double(Int64.max) else { throw ParseError("size '\(text)' is too large") }
        self.bytes = Int64(bytes)
    }

    /// As pgtune renders memory (its `formatValue`): `GB` when whole, else `MB` when whole, else `kB`;
    /// like pgtune, zero is `0GB`. Sizes that are not whole kB, which pgtune never produces, end in `B`.
    public var description: String {
        if bytes % (1 << 30) == 0 { return "\(bytes / (1 << 30))GB" }
        if bytes % (1 << 20) == 0 { return "\(bytes / (1 << 20))MB" }
        if bytes % 1024 == 0 { return "\(bytes / 1024)kB" }
        return "\(bytes)B"
    }

    /// A rounded human form for reports: `1.2 GB`, `340 MB`, `12 kB`.
    public var humanDescription: String {
        let b = Double(bytes)
        let (mega, giga): (Double, Double) = (1024 * 1024, 1024 * 1024 * 1024)
        if b >= giga { return "\(Self.oneDecimal(b / giga)) GB" }
        if b >= mega { return "\(Self.oneDecimal(b / mega)) MB" }
        if b >= 1024 { return "\(Self.oneDecimal(b / 1024)) kB" }
        return "\(bytes) B"
    }

    private static func oneDecimal(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    public static func < (lhs: ByteSize, rhs: ByteSize) -> Bool { lhs.bytes < rhs.bytes }
}
