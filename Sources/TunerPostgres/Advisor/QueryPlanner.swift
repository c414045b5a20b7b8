import Foundation

/// Plans statements without running them, including normalized ones with `$n` placeholders.
///
/// PostgreSQL 16+ has `EXPLAIN (GENERIC_PLAN)`. Before that, a normalized statement is prepared
/// (placeholder types inferred from context; one PostgreSQL cannot infer is retried as `text`) and
/// explained with `plan_cache_mode = force_generic_plan`, so that the placeholders are never
/// replaced by values. Each statement is prepared once; after hypothetical indexes change,
/// `DISCARD PLANS` makes the next plans fresh (hypopg sends no invalidation, and a cached plan
/// would use an index that no longer exists or miss a new one). Typed-literal placeholders
/// (`interval $2`, `date $1`) are planned as casts of the parameter.
struct QueryPlanner: Sendable {
    /// Why a statement could not be planned, in the server's words.
    struct Failure: Error, Sendable {
        let reason: String
    }

    let session: DatabaseSession
    let majorVersion: Int
    let statements = PreparedStatements()

    private var usesPrepare: Bool { majorVersion >= 12 && majorVersion < 16 }

    /// Prepares the session: generic plans for prepared statements (a session setting; writes nothing).
    static func make(_ session: DatabaseSession) async throws(DatabaseError) -> QueryPlanner {
        let planner = QueryPlanner(session: session, majorVersion: try await session.serverMajorVersion())
        if planner.usesPrepare { try await session.execute("SET plan_cache_mode = force_generic_plan") }
        return planner
    }

    /// Gives the session back as it was: the prepared statements go, the setting is reset.
    func finish() async {
        guard usesPrepare else { return }
        for name in statements.names { try? await session.execute("DEALLOCATE \(name)") }
        try? await session.execute("RESET plan_cache_mode")
    }

    /// To be called whenever hypothetical indexes were created or dropped.
    func invalidatePlans() { statements.invalidate() }

    /// The statement's estimated plan (never executed).
    func plan(_ statement: SQLText) async throws(Failure) -> QueryPlan {
        statements.countPlan()
        let parameters = statement.parameterCount
        // pg_stat_statements leaves `interval $2` where `interval '1 day'` was: planned as a cast instead.
        let sql = parameters == 0 ? statement : SQLText(statement.castingTypedPlaceholders)
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
        if statements.takeInvalidation() {
            do {
                try await session.execute("DISCARD PLANS")
            } catch {
                throw Failure(reason: Self.serverMessage(error))
            }
        }
        let name = try await prepared(sql, parameters: parameters)
        let nulls = Array(repeating: "NULL", count: parameters).joined(separator: ", ")
        return try await explain("EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE \(name)(\(nulls))")
    }

    /// The prepared statement's name, preparing it the first time.
    private func prepared(_ sql: SQLText, parameters: Int) async throws(Failure) -> String {
        if let name = statements.name(for: sql.text) { return name }
        let name = statements.newName()
        var types = Array(repeating: "unknown", count: parameters)
        for _ in 0...parameters {
            do {
                try await session.execute("PREPARE \(name)(\(types.joined(separator: ", "))) AS \(sql.text)")
                statements.store(name, for: sql.text)
                return name
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
        throw Failure(reason: "could not infer the types of the statement's parameters")
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

/// The planner's prepared statements, whether their cached plans are stale, and the plan count.
/// `@unchecked Sendable`: every field is guarded by the lock.
final class PreparedStatements: @unchecked Sendable {
    private let lock = NSLock()
    private var byText: [String: String] = [:]
    private var isStale = false
    private var plans = 0

    var names: [String] { lock.withLock { Array(byText.values) } }
    var planCount: Int { lock.withLock { plans } }

    func name(for text: String) -> String? { lock.withLock { byText[text] } }
    func newName() -> String { lock.withLock { "tuner_advisor_\(byText.count + 1)" } }
    func store(_ name: String, for text: String) { lock.withLock { byText[text] = name } }
    func countPlan() { lock.withLock { plans += 1 } }
    func invalidate() { lock.withLock { isStale = true } }

    /// True once after an invalidation: the caller discards the cached plans.
    func takeInvalidation() -> Bool {
        lock.withLock {
            defer { isStale = false }
            return isStale
        }
    }
}
