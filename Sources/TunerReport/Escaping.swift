/// Escaping for text that came from the database or the target (query texts, request names,
/// notes): it is data, never markup, in every format the report writes.
extension String {
    /// Safe inside HTML text and inside double- or single-quoted attributes.
    var htmlEscaped: String {
        replacingScalars {
            switch $0 {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            case "'": "&#39;"
            default: nil
            }
        }
    }

    /// Safe inside XML 1.0 text and attributes: markup escaped, characters XML forbids dropped,
    /// line breaks kept as character references so attributes keep them.
    var xmlEscaped: String {
        replacingScalars {
            switch $0 {
            case "&": "&amp;"
            case "<": "&lt;"
            case ">": "&gt;"
            case "\"": "&quot;"
            case "'": "&apos;"
            case "\n": "&#10;"
            case "\r": "&#13;"
            case "\t": "&#9;"
            default: nil
            }
        }
    }

    /// Plain text for one Markdown table cell or line: no line breaks, no pipes, no raw HTML.
    var markdownEscaped: String {
        replacingScalars {
            switch $0 {
            case "\n", "\r", "\t": " "
            case "|": "\\|"
            case "<": "&lt;"
            case ">": "&gt;"
            case "&": "&amp;"
            case "*", "_", "`", "[", "]", "\\": "\\\($0)"
            default: nil
            }
        }
    }

    /// The text with characters no markup may hold dropped and each scalar `replacement` names replaced.
    private func replacingScalars(_ replacement: (Unicode.Scalar) -> String?) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for scalar in unicodeScalars where scalar.isAllowedInMarkup {
            if let replaced = replacement(scalar) { out += replaced } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// An inline code span holding the text literally, on one line (table-safe).
    var markdownCode: String {
        let flat = String(String.UnicodeScalarView(unicodeScalars.lazy.filter(\.isAllowedInMarkup).map {
            $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0
        })).replacingAll("|", with: "\\|")
        // A code span is delimited by a backtick run longer than any inside it.
        let fence = String(repeating: "`", count: flat.longestBacktickRun + 1)
        let pad = flat.hasPrefix("`") || flat.hasSuffix("`") ? " " : ""
        return fence + pad + flat + pad + fence
    }

    /// A fenced code block holding the text literally, fenced longer than any backtick run in it.
    func markdownCodeBlock(language: String = "") -> String {
        let fence = String(repeating: "`", count: Swift.max(longestBacktickRun, 2) + 1)
        return "\(fence)\(language)\n\(self)\n\(fence)"
    }

    /// The length of the longest run of backticks in the text.
    private var longestBacktickRun: Int {
        var longest = 0
        var run = 0
        for c in self {
            run = c == "`" ? run + 1 : 0
            longest = Swift.max(longest, run)
        }
        return longest
    }

    /// At most `limit` characters, with an ellipsis when cut.
    func truncated(to limit: Int) -> String {
        count <= limit ? self : String(prefix(Swift.max(limit - 1, 0))) + "…"
    }

    /// Whitespace runs (newlines, indentation of SQL) folded to single spaces.
    var collapsingWhitespace: String {
        split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

extension Unicode.Scalar {
    /// XML 1.0 forbids most C0 controls; HTML renders them as garbage. Tab and line breaks stay.
    fileprivate var isAllowedInMarkup: Bool {
        switch value {
        case 0x9, 0xA, 0xD: true
        case 0x0...0x1F, 0x7F, 0xFFFE, 0xFFFF: false
        default: true
        }
    }
}
