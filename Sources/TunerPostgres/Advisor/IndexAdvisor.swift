/// What the advisor may do and how picky it is.
public struct AdvisorOptions: Sendable {
    /// The share by which an index must cut a query's planned cost to be suggested (0.5 = 50%).
    public var minSavings: Double
    /// Try hypothetical indexes when hypopg is created in the database; false forces the statistics fallback.
    public var usesHypotheticalIndexes: Bool
    /// Progress lines for stderr.
    public var progress: @Sendable (String) -> Void

    public init(minSavings: Double = 0.5, usesHypotheticalIndexes: Bool = true,
                progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.minSavings = minSavings
        self.usesHypotheticalIndexes = usesHypotheticalIndexes
        self.progress = progress
    }
}

/// The index advisor: `advise` weighs a workload and suggests indexes (read-only); `apply` creates them.
public enum IndexAdvisor {
    private static let systemSchemas: Set<String> = ["pg_catalog", "information_schema", "pg_toast"]

    /// Plans the workload, tries candidate indexes (hypothetically with hypopg, else from statistics)
    /// and returns the smallest set of indexes that serves it, with existing indexes to reconsider.
    ///
    /// Works in a read-only session: hypopg's indexes exist only in this backend's memory.
    public static func advise(_ session: DatabaseSession, workload: AdvisorWorkload,
                              options: AdvisorOptions = AdvisorOptions()) async throws(DatabaseError) -> AdvisorReport
    {
        let clock = ContinuousClock()
        let start = clock.now
        let planner = try await QueryPlanner.make(session)
        do {
            var report = try await advise(session, workload: workload, options: options, planner: planner)
            await planner.finish()
            let elapsed = (clock.now - start).components
            report.effort.seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            return report
        } catch {
            await planner.finish()
            throw error
        }
    }

    private static func advise(_ session: DatabaseSession, workload: AdvisorWorkload, options: AdvisorOptions,
                               planner: QueryPlanner) async throws(DatabaseError) -> AdvisorReport
    {
        var notes = workload.notes
        var unplanned: [UnplannedQuery] = []
        var baselines: [(WorkloadQuery, SQLText, QueryPlan)] = []
        var notPlannable = 0
        options.progress("planning \(statements(workload.queries.count))")
        for (n, query) in workload.queries.enumerated() {
            if n > 0 && n % 100 == 0 { options.progress("planned \(n) of \(workload.queries.count)") }
            let sql = SQLText(query.text)
            guard sql.isPlannable else {
                notPlannable += 1
                continue
            }
            do {
                baselines.append((query, sql, try await planner.plan(sql)))
            } catch {
                unplanned.append(UnplannedQuery(text: query.text, reason: error.reason))
            }
        }
        let tables = Set(baselines.flatMap { $0.2.relationsByAlias.values }).filter { !isSystem($0.schema) }
        let catalog = try await TableCatalog.load(tables, session: session)

        var planned: [PlannedQuery] = []
        var catalogOnly = 0
        for (query, sql, plan) in baselines {
            let usage = CandidateGenerator.usage(of: plan).filter { catalog[$0.value.table] != nil }
            guard !usage.isEmpty else {
                catalogOnly += 1
                continue
            }
            let candidates = usage.values.sorted { $0.table < $1.table }.flatMap { tableUsage in
                catalog[tableUsage.table].map { CandidateGenerator.candidates(for: tableUsage, table: $0) } ?? []
            }.uniqued()
            let likeColumns = usage.values.flatMap { u in u.likeParameters.map { "\(u.table).\($0)" } }
            if !likeColumns.isEmpty {
                notes.append("LIKE with a parameter on \(likeColumns.joined(separator: ", ")): a generic plan cannot "
                    + "tell a prefix pattern from '%…%'; give the query with a sample pattern via --query to judge "
                    + "a prefix index")
            }
            let weight = query.millisecondsPerHour(observedSeconds: workload.observedSeconds)
                ?? query.calls.map(Double.init) ?? 1
            planned.append(PlannedQuery(query: query, sql: sql, baseline: plan, usage: usage,
                                        candidates: candidates, weight: weight))
        }
        if notPlannable > 0 {
            notes.append("\(statements(notPlannable)) skipped: not queries (SET, BEGIN, DDL, EXPLAIN, …)")
        }
        if catalogOnly > 0 { notes.append("\(statements(catalogOnly)) skipped: no user table read") }

        var hypothetical: HypotheticalIndexes?
        if options.usesHypotheticalIndexes {
            hypothetical = try await HypotheticalIndexes.locate(session)
            if hypothetical == nil {
                let hint = await HypotheticalIndexes.isAvailable(session)
                    ? "hypopg is installed on the server but not created in this database (CREATE EXTENSION hypopg)"
                    : "hypopg is not installed (e.g. apt-get install postgresql-\(planner.majorVersion)-hypopg)"
                notes.append("\(hint): suggestions come from column statistics and are less certain than "
                    + "hypothetical indexes re-planned by PostgreSQL")
            }
        }
        let method: AdvisorReport.Method = hypothetical == nil ? .statistics : .hypothetical
        let selection: Selection
        if let hypothetical {
            do {
                selection = try await IndexSelection(
                    hypothetical: hypothetical, planner: planner, queries: planned, minSavings: options.minSavings,
                    progress: options.progress
                ).run(existing: catalog.tables.mapValues(\.indexes))
            } catch {
                // The caller may keep using this session: leave no hypothetical index behind.
                try? await hypothetical.reset()
                throw error
            }
        } else {
            selection = StatisticsFallback(queries: planned, catalog: catalog, minSavings: options.minSavings).run()
        }
        notes += selection.notes
        let suggestions = try await SuggestionBuilder(
            session: session, queries: planned, catalog: catalog, method: method,
            observedSeconds: workload.observedSeconds
        ).suggestions(from: selection)
        let reviews = ExistingIndexReview.review(
            catalog: catalog, plans: planned.map(\.baseline), suggestions: suggestions,
            judgesUnused: workload.source != .queries)
        options.progress("\(suggestions.count) index\(suggestions.count == 1 ? "" : "es") suggested for "
            + "\(statements(planned.count)) planned")
        return AdvisorReport(
            method: method, serverVersion: planner.majorVersion, minSavings: options.minSavings,
            workload: WorkloadSummary(source: workload.source, statements: workload.queries.count,
                                      planned: planned.count, observedSeconds: workload.observedSeconds),
            suggestions: suggestions, unplanned: unplanned, existingIndexes: reviews, notes: notes.uniqued(), applied: [],
            effort: AdvisorEffort(plans: planner.statements.planCount, candidatesTried: selection.candidatesTried, seconds: 0))
    }

    private static func statements(_ count: Int) -> String { count == 1 ? "1 statement" : "\(count) statements" }

    private static func isSystem(_ schema: String) -> Bool {
        systemSchemas.contains(schema) || schema.hasPrefix("pg_toast") || schema.hasPrefix("pg_temp")
    }
}
