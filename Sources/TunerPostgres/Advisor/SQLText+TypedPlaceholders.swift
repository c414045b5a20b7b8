extension SQLText {
    /// Type names that can stand before a string literal (`interval '1 day'`, `date '2026-01-01'`): the
    /// typed literals pg_stat_statements turns into `interval $2`, which does not parse.
    static let literalTypes: Set<String> = [
        "interval", "date", "time", "timetz", "timestamp", "timestamptz", "timestamp with time zone",
        "timestamp without time zone", "time with time zone", "time without time zone", "uuid", "inet", "cidr",
        "macaddr", "json", "jsonb", "xml", "numeric", "decimal", "boolean", "bool", "int", "integer", "int2",
        "int4", "int8", "smallint", "bigint", "real", "float4", "float8", "double precision", "text", "varchar",
        "character varying", "char", "character", "bpchar", "bytea", "money", "point", "tsquery", "tsvector",
        "oid", "regclass",
    ]

    /// An interval literal's field qualifier (`interval '1' day`, `interval '1:30' hour to minute`).
    private static let intervalFields: Set<String> = ["year", "month", "day", "hour", "minute", "second"]

    /// The text with every typed-literal placeholder (`interval $2`, `date $1`, `timestamp with time zone $3`)
    /// written as a cast of the parameter (`CAST($2 AS interval)`), which PostgreSQL can prepare and plan.
    /// Literals, quoted identifiers and comments are left as they are.
    var castingTypedPlaceholders: String {
        let chars = Array(text.unicodeScalars)
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(chars.count + 16)
        var i = 0
        func next(_ offset: Int) -> Unicode.Scalar? { i + offset < chars.count ? chars[i + offset] : nil }
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "'", "\"":
                out.append(c)
                i += 1
                while i < chars.count, chars[i] != c { out.append(chars[i]); i += 1 }
                if i < chars.count { out.append(chars[i]); i += 1 }
            case "-" where next(1) == "-":
                while i < chars.count, chars[i] != "\n" { out.append(chars[i]); i += 1 }
            case "/" where next(1) == "*":
                out.append(contentsOf: ["/", "*"])
                i += 2
                while i < chars.count, !(chars[i] == "*" && next(1) == "/") { out.append(chars[i]); i += 1 }
                if i < chars.count { out.append(contentsOf: ["*", "/"]); i += 2 }
            case "$" where next(1).map { ("0"..."9").contains($0) } == true:
                var end = i + 1
                while end < chars.count, ("0"..."9").contains(chars[end]) { end += 1 }
                let placeholder = String(String.UnicodeScalarView(chars[i..<end]))
                i = end
                let isInsideAName = out.last.map(Self.isWordScalar) ?? false  // `a$1` is one identifier
                guard !isInsideAName, let type = Self.takeTrailingType(from: &out) else {
                    out.append(contentsOf: placeholder.unicodeScalars)
                    continue
                }
                var castType = type
                if type.lowercased() == "interval" { castType += Self.takeIntervalFields(chars, at: &i) }
                out.append(contentsOf: "CAST(\(placeholder) AS \(castType))".unicodeScalars)
            default:
                out.append(c)
                i += 1
            }
        }
        return String(String.UnicodeScalarView(out))
    }

    /// Removes and returns a type name ending `out` (up to four words, whitespace between), when the
    /// words before the placeholder name one of `literalTypes` and nothing ties them to what precedes.
    private static func takeTrailingType(from out: inout [Unicode.Scalar]) -> String? {
        var end = out.count
        while end > 0, out[end - 1].properties.isWhitespace { end -= 1 }
        var words: [(start: Int, text: String)] = []
        var position = end
        while words.count < 4 {
            var start = position
            while start > 0, isWordScalar(out[start - 1]) { start -= 1 }
            guard start < position else { break }
            words.insert((start, String(String.UnicodeScalarView(out[start..<position]))), at: 0)
            var before = start
            while before > 0, out[before - 1].properties.isWhitespace { before -= 1 }
            guard before < start else { break }
            position = before
        }
        for count in stride(from: words.count, through: 1, by: -1) {
            let chosen = words.suffix(count)
            let name = chosen.map { $0.text.lowercased() }.joined(separator: " ")
            guard literalTypes.contains(name), let first = chosen.first else { continue }
            // `x.date $1` or `"date" $1` would not be a typed literal.
            if first.start > 0, [".", "\"", ":"].contains(out[first.start - 1]) { return nil }
            let written = chosen.map(\.text).joined(separator: " ")
            out.removeSubrange(first.start..<out.count)
            return written
        }
        return nil
    }

    /// An interval qualifier after the placeholder (` day`, ` hour to minute`), consumed from `chars`.
    private static func takeIntervalFields(_ chars: [Unicode.Scalar], at i: inout Int) -> String {
        var qualifier = ""
        var position = i
        var expectsField = true
        while true {
            var start = position
            while start < chars.count, chars[start].properties.isWhitespace { start += 1 }
            var end = start
            while end < chars.count, isWordScalar(chars[end]) { end += 1 }
            guard end > start else { break }
            let word = String(String.UnicodeScalarView(chars[start..<end]))
            let lower = word.lowercased()
            if expectsField && intervalFields.contains(lower) {
                expectsField = false
            } else if !expectsField && lower == "to" {
                expectsField = true
            } else {
                break
            }
            qualifier += " " + word
            position = end
            if !expectsField { i = position }
        }
        return expectsField ? String(qualifier.dropLast(qualifier.hasSuffix(" to") ? 3 : 0)) : qualifier
    }

    private static func isWordScalar(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic || ("0"..."9").contains(c)
    }
}
