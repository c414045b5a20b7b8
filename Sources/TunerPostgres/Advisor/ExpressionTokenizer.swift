/// A lexical token of a deparsed PostgreSQL expression.
enum ExpressionToken: Equatable, Sendable {
    /// A bare word: a keyword, or an identifier PostgreSQL did not need to quote.
    case word(String)
    /// A `"quoted"` identifier, unescaped.
    case quoted(String)
    /// A `'string'` literal, unescaped.
    case string(String)
    case number(String)
    /// `$n`.
    case parameter(Int)
    /// An operator: `=`, `<=`, `~~`, `+`, ….
    case symbol(String)
    case open, close, comma, dot
    /// `::`.
    case cast
    /// `[`, `]` and anything else.
    case other(Character)

    /// The identifier's name, for bare words and quoted identifiers.
    var identifierName: String? {
        switch self {
        case .word(let name), .quoted(let name): name
        default: nil
        }
    }

    /// True for a bare word equal (ignoring case) to one of `words`, which must be lower-case.
    func isWord(_ words: Set<String>) -> Bool {
        if case .word(let w) = self { return words.contains(w.lowercased()) }
        return false
    }
}

/// Splits deparsed expressions into tokens.
enum ExpressionTokenizer {
    private static let operatorCharacters: Set<Character> = ["+", "-", "*", "/", "<", ">", "=", "~", "!", "@", "#", "%",
                                                             "^", "&", "|", "`", "?"]

    static func tokens(_ text: String) -> [ExpressionToken] {
        let chars = Array(text)
        var tokens: [ExpressionToken] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case _ where c.isWhitespace:
                i += 1
            case "(": tokens.append(.open); i += 1
            case ")": tokens.append(.close); i += 1
            case ",": tokens.append(.comma); i += 1
            case ".": tokens.append(.dot); i += 1
            case ":" where i + 1 < chars.count && chars[i + 1] == ":":
                tokens.append(.cast); i += 2
            case "'", "\"":
                let (content, next) = quoted(chars, from: i)
                tokens.append(c == "'" ? .string(content) : .quoted(content))
                i = next
            case "$" where i + 1 < chars.count && chars[i + 1].isNumber:
                var j = i + 1
                while j < chars.count, chars[j].isNumber { j += 1 }
                tokens.append(.parameter(Int(String(chars[(i + 1)..<j])) ?? 0))
                i = j
            case _ where c.isNumber:
                var j = i
                while j < chars.count, chars[j].isNumber || chars[j] == "." || chars[j] == "e" { j += 1 }
                tokens.append(.number(String(chars[i..<j])))
                i = j
            case _ where c.isLetter || c == "_":
                var j = i
                while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" || chars[j] == "$" {
                    j += 1
                }
                tokens.append(.word(String(chars[i..<j])))
                i = j
            case _ where operatorCharacters.contains(c):
                var j = i
                while j < chars.count, operatorCharacters.contains(chars[j]) { j += 1 }
                tokens.append(.symbol(String(chars[i..<j])))
                i = j
            default:
                tokens.append(.other(c)); i += 1
            }
        }
        return tokens
    }

    /// Reads a quoted run starting at `start` (doubled quotes escape); returns the content and the next index.
    private static func quoted(_ chars: [Character], from start: Int) -> (String, Int) {
        let quote = chars[start]
        var content = ""
        var i = start + 1
        while i < chars.count {
            if chars[i] == quote {
                if i + 1 < chars.count && chars[i + 1] == quote {
                    content.append(quote)
                    i += 2
                    continue
                }
                return (content, i + 1)
            }
            content.append(chars[i])
            i += 1
        }
        return (content, i)
    }
}
