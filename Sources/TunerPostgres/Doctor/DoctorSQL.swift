import Foundation
import PostgresNIO
import TunerCore

/// SQL fragments and value formatting shared by the checks.
enum DoctorSQL {
    /// Prefixed to every doctor statement so that the query checks can leave Tuner's own statements
    /// out of pg_stat_statements' figures.
    static let marker = "/* tuner doctor */"

    /// Schemas that belong to PostgreSQL itself, as a SQL list.
    static let systemSchemas = "('pg_catalog', 'information_schema', 'pg_toast')"

    /// `schema.name` quoted only where needed, as `format('%I.%I')` does.
    static func qualified(_ schema: String, _ name: String) -> String {
        "format('%I.%I', \(schema), \(name))"
    }

    /// A string literal for pasting into SQL.
    static func literal(_ text: String) -> String { "'\(text.replacingOccurrences(of: "'", with: "''"))'" }
}

/// Evidence values printed consistently across checks.
enum Measure {
    static func bytes(_ name: String, _ bytes: Int64) -> Finding.Evidence {
        Finding.Evidence(name, ByteSize(bytes: max(0, bytes)).humanDescription, number: Double(bytes))
    }

    static func count(_ name: String, _ value: Int64) -> Finding.Evidence {
        Finding.Evidence(name, Double(value))
    }

    static func percent(_ name: String, _ fraction: Double) -> Finding.Evidence {
        Finding.Evidence(name, "\(Finding.Evidence("", (fraction * 1000).rounded() / 10).value)%", number: fraction)
    }

    static func seconds(_ name: String, _ seconds: Double) -> Finding.Evidence {
        Finding.Evidence(name, Duration.seconds(seconds).shortDescription, number: seconds)
    }

    static func milliseconds(_ name: String, _ milliseconds: Double) -> Finding.Evidence {
        Finding.Evidence(name, "\(Finding.Evidence("", milliseconds).value) ms", number: milliseconds)
    }

    static func text(_ name: String, _ value: String) -> Finding.Evidence { Finding.Evidence(name, value) }

    /// A statement's text for evidence: whitespace collapsed, cut at `limit` characters.
    static func statement(_ name: String, _ sql: String, limit: Int = 300) -> Finding.Evidence {
        let collapsed = sql.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        let cut = collapsed.count > limit ? String(collapsed.prefix(limit)) + "…" : collapsed
        return Finding.Evidence(name, cut)
    }

    /// A size to suggest in a fix, rounded down to whole gigabytes from 2 GB and to whole megabytes below
    /// (at least 1MB): `64MB`, `1536MB`, `5GB`.
    static func suggestedSize(_ bytes: Double) -> String {
        let capped = min(bytes, 1e15)
        if capped >= Double(2 << 30) { return ByteSize(bytes: Int64(capped / Double(1 << 30)) << 30).description }
        let megabytes = max(1, Int64(capped / Double(1 << 20)))
        return ByteSize(bytes: megabytes << 20).description
    }
}

extension Finding {
    /// A finding from `tuner db check` (source `check`).
    static func check(
        _ id: String, _ severity: Severity, object: String, title: String, evidence: [Evidence], why: String,
        fix: String?
    ) -> Finding {
        Finding(id: id, severity: severity, object: object, title: title, evidence: evidence, why: why, fix: fix,
                source: "check")
    }
}

extension DatabaseSession {
    /// Runs a doctor statement and decodes its rows as `T`, whose property names are the column names.
    /// The rows travel as one JSON document: row-by-row delivery costs a task hop per row, which for tens of
    /// thousands of catalog rows on a busy machine takes longer than the query itself.
    func decoded<T: Decodable>(_ type: T.Type, _ sql: String, _ bindings: [any PostgresEncodable & Sendable] = [])
        async throws(DatabaseError) -> [T]
    {
        let json = try await rows(
            "\(DoctorSQL.marker) SELECT coalesce(json_agg(r), '[]')::text AS json FROM (\(sql)) r", bindings
        ).first?.string("json") ?? "[]"
        do {
            return try JSONDecoder().decode([T].self, from: Data(json.utf8))
        } catch {
            throw DatabaseError("cannot read the rows as \(T.self): \(error)")
        }
    }
}
