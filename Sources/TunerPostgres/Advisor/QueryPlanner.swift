/// Plans statements without running them, including normalized ones with `$n` placeholders.
///
/// PostgreSQL 16+ has `EXPLAIN (GENERIC_PLAN)`. Before that, a normalized statement is prepared
/// (placeholder types inferred from context; one PostgreSQL cannot infer is retried as `text`) and
/// explained with `plan_cache_mode = force_generic_plan`, so that the placeholders are never
/// replaced by values. The prepared statement is made afresh for every plan: a cached generic plan
/// would outlive the hypothetical indexes it was built with.
struct QueryPlanner: Sendable {
    /// Why a statement could not be planned, in the server's words.
    struct Failure: Error, Sendable {
        let reason: String
    }

    let session: DatabaseSession
    let majorVersion: Int
    private let statementName = "tuner_advisor_plan"

    /// Prepares the session: generic plans for prepared statements (a session setting; writes nothing).
    static func make(_ session: DatabaseSession) async throws(DatabaseError) -> QueryPlanner {
        let version = try await session.serverMajorVersion()
        if version >= 12 && version < 16 {
            try await session.execute("SET plan_cache_mode = force_generic_plan")
        }
        return QueryPlanner(session: session, majorVersion: version)
    }

    /// Gives the session back as it was (the setting `make` changed).
    func finish() async {
        if majorVersion >= 12 && majorVersion < 16 { try? await session.execute("RESET plan_cache_mode") }
    }

    /// The statement's estimated plan (never executed).
    func plan(_ sql: SQLText) async throws(Failure) -> QueryPlan {
        let parameters = sql.parameterCount
        let json: String
        if parameters == 0 {
            json = try await explain("EXPLAIN (VERBOSE, FORMAT JSON) \(sql.text)")
        } else if majorVersion >= 16 {
            json = try await explain("EXPLAIN (GENERIC_PLAN, VERBOSE, FORMAT JSON) \(sql.text)")
        } else if majorVersion >= 12 {
            json = try await explainPrepared(sql, parameters: parameters)
        } else {
            throw Failure(reason: "normalized statements need PostgreSQL 12 or later to be planned generically")
        }
        do {
            return try PlanReader.read(json)
        } catch {
            throw Failure(reason: error.description)
        }
    }

    private func explain(_ statement: String) async throws(Failure) -> String {
        let value: DatabaseValue?
        do {
            value = try await session.scalar(statement)
        } catch {
            throw Failure(reason: Self.serverMessage(error))
        }
        guard let json = value?.string else { throw Failure(reason: "EXPLAIN returned nothing") }
        return json
    }

    private func explainPrepared(_ sql: SQLText, parameters: Int) async throws(Failure) -> String {
        var types = Array(repeating: "unknown", count: parameters)
        var prepared = false
        for _ in 0...parameters {
            do {
                try await session.execute("PREPARE \(statementName)(\(types.joined(separator: ", "))) AS \(sql.text)")
                prepared = true
                break
            } catch {
                // 42P18: "could not determine data type of parameter $n"; text is the usual answer.
                guard error.sqlState == "42P18", let n = Self.parameterNumber(in: error.description),
                      n >= 1, n <= parameters, types[n - 1] == "unknown"
                else {
                    throw Failure(reason: Self.serverMessage(error))
                }
                types[n - 1] = "text"
            }
        }
        guard prepared else { throw Failure(reason: "could not infer the types of the statement's parameters") }
        let nulls = Array(repeating: "NULL", count: parameters).joined(separator: ", ")
        let result: Result<String, Failure>
        do {
            result = .success(try await explain("EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE \(statementName)(\(nulls))"))
        } catch {
            result = .failure(error)
        }
        try? await session.execute("DEALLOCATE \(statementName)")
        return try result.get()
    }

    /// The `n` of "parameter $n" in an error message.
    private static func parameterNumber(in message: String) -> Int? {
        guard let range = message.range(of: "parameter $") else { return nil }
        return Int(message[range.upperBound...].prefix { $0.isNumber })
    }

    /// The server's own message, without the "query failed (…):" prefix DatabaseError adds.
    static func serverMessage(_ error: DatabaseError) -> String {
        if let range = error.description.range(of: "…): ") { return String(error.description[range.upperBound...]) }
        return error.description
    }
}
