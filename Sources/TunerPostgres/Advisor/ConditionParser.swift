/// A column as a plan's expressions name it: `alias.column` (VERBOSE plans always qualify).
struct ColumnReference: Hashable, Sendable {
    var alias: String
    var column: String
}

/// What a plan condition asks of one column, in the terms that decide an index's column order.
enum ColumnPredicate: Hashable, Sendable {
    /// `col = value`, `col = ANY(…)`, `col IS NULL`.
    case equality(ColumnReference)
    /// `col < value` and friends.
    case range(ColumnReference)
    /// `col LIKE 'abc%'`: a range scan over the prefix.
    case likePrefix(ColumnReference)
    /// `col LIKE $1`: the pattern is unknown, so no generic plan can use an index for it.
    case likeParameter(ColumnReference)
    /// `a.col = b.col` between two tables: a join key for both.
    case join(ColumnReference, ColumnReference)
}

/// One key of a Sort node: a plain column and its direction, or nil for expressions.
struct SortKey: Hashable, Sendable {
    var column: ColumnReference
    var isDescending: Bool
    /// `NULLS FIRST`/`NULLS LAST` when written and not the direction's default.
    var nullsFirst: Bool?
}

/// Reads the deparsed expressions of an `EXPLAIN (VERBOSE)` plan (`((t.a = $1) AND (t.d >= now()))`)
/// into per-column predicates. Anything it does not recognise (OR, functions of columns) is skipped:
/// an index on a plain column could not serve it.
enum ConditionParser {
    private static let comparisons: Set<String> = ["=", "<", "<=", ">", ">=", "~~"]

    /// The predicates of an AND-ed condition.
    static func predicates(in condition: String) -> [ColumnPredicate] {
        conjuncts(ExpressionTokenizer.tokens(condition)).compactMap(predicate)
    }

    /// A sort key such as `t.created_at DESC NULLS LAST`; nil for expressions and collations.
    static func sortKey(_ text: String) -> SortKey? {
        let tokens = ExpressionTokenizer.tokens(text)
        var split = 0
        while split < tokens.count, !tokens[split].isWord(["desc", "asc", "nulls"]) { split += 1 }
        guard let column = columnReference(Array(tokens[..<split])) else { return nil }
        let words = tokens[split...].compactMap { token -> String? in
            if case .word(let w) = token { w.lowercased() } else { nil }
        }
        guard words.count == tokens.count - split else { return nil }
        let descending = words.contains("desc")
        var nullsFirst: Bool?
        if let at = words.firstIndex(of: "nulls"), at + 1 < words.count {
            let first = words[at + 1] == "first"
            if first != descending { nullsFirst = first }
        }
        return SortKey(column: column, isDescending: descending, nullsFirst: nullsFirst)
    }

    // MARK: - structure

    /// Splits at top-level ANDs, looking through wrapping parentheses.
    static func conjuncts(_ tokens: [ExpressionToken]) -> [[ExpressionToken]] {
        let inner = stripParentheses(tokens)
        let parts = splitTopLevel(inner, atWord: "and")
        if parts.count == 1 { return [inner] }
        return parts.flatMap(conjuncts)
    }

    private static func predicate(_ tokens: [ExpressionToken]) -> ColumnPredicate? {
        guard !tokens.isEmpty, splitTopLevel(tokens, atWord: "or").count == 1 else { return nil }
        if tokens.count >= 3, tokens[tokens.count - 2].isWord(["is"]), tokens[tokens.count - 1].isWord(["null"]) {
            return columnReference(Array(tokens.dropLast(2))).map(ColumnPredicate.equality)
        }
        var depth = 0
        for (i, token) in tokens.enumerated() {
            switch token {
            case .open: depth += 1
            case .close: depth -= 1
            case .symbol(let op) where depth == 0:
                guard comparisons.contains(op) else { return nil }
                return comparison(lhs: Array(tokens[..<i]), op: op, rhs: Array(tokens[(i + 1)...]))
            default: break
            }
        }
        return nil
    }

    private static func comparison(lhs: [ExpressionToken], op: String, rhs: [ExpressionToken]) -> ColumnPredicate? {
        let left = columnReference(lhs)
        var right = rhs
        var isAny = false
        if let first = right.first, first.isWord(["any"]) {
            guard op == "=" else { return nil }
            isAny = true
            right.removeFirst()
        }
        let rightColumn = isAny ? nil : columnReference(right)
        if let left, let rightColumn {
            guard op == "=", left.alias != rightColumn.alias else { return nil }
            return .join(left, rightColumn)
        }
        if let left, !mentions(right, aliasOf: left) {
            switch op {
            case "=": return .equality(left)
            case "~~": return likePredicate(left, pattern: right)
            default: return .range(left)
            }
        }
        if let rightColumn, op != "~~", !mentions(lhs, aliasOf: rightColumn) {
            return op == "=" ? .equality(rightColumn) : .range(rightColumn)
        }
        return nil
    }

    private static func likePredicate(_ column: ColumnReference, pattern: [ExpressionToken]) -> ColumnPredicate? {
        let value = stripCast(stripParentheses(pattern))
        switch value.first {
        case .parameter?: return .likeParameter(column)
        case .string(let text)? where value.count == 1:
            guard let first = text.first, first != "%", first != "_" else { return nil }
            return .likePrefix(column)
        default: return nil
        }
    }

    /// A plain qualified column, looking through parentheses and casts (`((t.name)::text)` reads `t.name`).
    /// VERBOSE plans qualify every column, so a lone word is a keyword or a constant (`true`), never a column.
    static func columnReference(_ tokens: [ExpressionToken]) -> ColumnReference? {
        let plain = stripParentheses(stripCast(stripParentheses(tokens)))
        guard plain.count == 3, let alias = plain[0].identifierName, plain[1] == .dot,
              let column = plain[2].identifierName
        else { return nil }
        return ColumnReference(alias: alias, column: column)
    }

    /// True when the tokens name a column of the same table as `column` (the value is not a constant for it).
    private static func mentions(_ tokens: [ExpressionToken], aliasOf column: ColumnReference) -> Bool {
        for i in tokens.indices.dropLast(2) {
            if let alias = tokens[i].identifierName, tokens[i + 1] == .dot, tokens[i + 2].identifierName != nil,
               i + 3 >= tokens.count || tokens[i + 3] != .open, alias == column.alias
            {
                return true
            }
        }
        return false
    }

    private static func stripParentheses(_ tokens: [ExpressionToken]) -> [ExpressionToken] {
        var current = tokens
        while current.count >= 2, current.first == .open, current.last == .close, closesAtEnd(current) {
            current = Array(current.dropFirst().dropLast())
        }
        return current
    }

    /// True when the opening parenthesis at index 0 is closed by the last token.
    private static func closesAtEnd(_ tokens: [ExpressionToken]) -> Bool {
        var depth = 0
        for (i, token) in tokens.enumerated() {
            if token == .open { depth += 1 }
            if token == .close { depth -= 1 }
            if depth == 0 { return i == tokens.count - 1 }
        }
        return false
    }

    /// Drops a top-level `::type` suffix.
    private static func stripCast(_ tokens: [ExpressionToken]) -> [ExpressionToken] {
        var depth = 0
        for (i, token) in tokens.enumerated() {
            if token == .open { depth += 1 }
            if token == .close { depth -= 1 }
            if depth == 0, token == .cast { return Array(tokens[..<i]) }
        }
        return tokens
    }

    private static func splitTopLevel(_ tokens: [ExpressionToken], atWord word: String) -> [[ExpressionToken]] {
        var parts: [[ExpressionToken]] = [[]]
        var depth = 0
        for token in tokens {
            if token == .open { depth += 1 }
            if token == .close { depth -= 1 }
            if depth == 0, token.isWord([word]) {
                parts.append([])
            } else {
                parts[parts.count - 1].append(token)
            }
        }
        return parts
    }
}
