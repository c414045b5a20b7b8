/// Facts about a statement's text that decide how it can be planned.
struct SQLText {
    let text: String

    init(_ text: String) {
        var trimmed = Substring(text)
        while let last = trimmed.last, last == ";" || last.isWhitespace { trimmed.removeLast() }
        self.text = String(trimmed.drop(while: \.isWhitespace))
    }

    /// The first keyword, lower-cased, after leading comments and parentheses.
    var leadingKeyword: String {
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0.isWhitespace || $0 == "(" }
            if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*"), let end = rest.range(of: "*/") {
                rest = rest[end.upperBound...]
            } else {
                break
            }
        }
        return String(rest.prefix { $0.isLetter }).lowercased()
    }

    /// True for statements PostgreSQL can prepare and explain (the ones an index can speed up).
    var isPlannable: Bool {
        ["select", "with", "update", "delete", "insert", "values", "table"].contains(leadingKeyword)
    }

    /// The highest `$n` placeholder outside string literals, quoted identifiers and comments (0 when none).
    var parameterCount: Int {
        var highest = 0
        var chars = Array(text.unicodeScalars)
        chars.append(" ")
        var i = 0
        while i < chars.count - 1 {
            let c = chars[i]
            switch c {
            case "'", "\"":
                i += 1
                while i < chars.count, chars[i] != c { i += 1 }
            case "-" where chars[i + 1] == "-":
                while i < chars.count, chars[i] != "\n" { i += 1 }
            case "/" where chars[i + 1] == "*":
                i += 2
                while i < chars.count - 1, !(chars[i] == "*" && chars[i + 1] == "/") { i += 1 }
                i += 1
            case "$" where ("0"..."9").contains(chars[i + 1]):
                var value = 0
                i += 1
                while i < chars.count, let digit = Int(String(chars[i])), ("0"..."9").contains(chars[i]) {
                    value = value * 10 + digit
                    i += 1
                }
                highest = max(highest, value)
                continue
            default:
                break
            }
            i += 1
        }
        return highest
    }
}
