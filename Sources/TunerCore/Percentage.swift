/// Percentages as users write them: `5%`, `30 %`, or a fraction `0.05`. The one parser of that syntax; each
/// caller says which values it accepts.
public enum Percentage {
    /// `text` as a fraction (`5%` → 0.05, `0.05` → 0.05), and whether it was written with `%`; nil when it is
    /// not a finite number with an optional `%`.
    public static func parse(_ text: String) -> (fraction: Double, isPercent: Bool)? {
        var trimmed = Substring(text)
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        let isPercent = trimmed.hasSuffix("%")
        if isPercent {
            trimmed.removeLast()
            while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        }
        guard let number = Double(trimmed), number.isFinite else { return nil }
        return (isPercent ? number / 100 : number, isPercent)
    }

    /// The fraction (0 … 1, both excluded) that `text` writes.
    public static func fraction(parsing text: String) throws(ParseError) -> Double {
        guard let fraction = parse(text)?.fraction else { throw ParseError("'\(text)' is not a percentage (e.g. 5%)") }
        guard fraction > 0, fraction < 1 else { throw ParseError("'\(text)' must be between 0% and 100%") }
        return fraction
    }
}
