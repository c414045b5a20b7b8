/// Percentages as users write them: `5%`, `30 %`, or a fraction `0.05`.
public enum Percentage {
    /// The fraction (0 … 1, both excluded) that `text` writes.
    public static func fraction(parsing text: String) throws(ParseError) -> Double {
        var trimmed = Substring(text)
        while trimmed.first?.isWhitespace == true { trimmed.removeFirst() }
        while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        let isPercent = trimmed.hasSuffix("%")
        if isPercent {
            trimmed.removeLast()
            while trimmed.last?.isWhitespace == true { trimmed.removeLast() }
        }
        guard let number = Double(trimmed), number.isFinite else {
            throw ParseError("'\(text)' is not a percentage (e.g. 5%)")
        }
        let fraction = isPercent ? number / 100 : number
        guard fraction > 0, fraction < 1 else { throw ParseError("'\(text)' must be between 0% and 100%") }
        return fraction
    }
}
