/// A workload statement with its plan before any new index.
struct PlannedQuery: Sendable {
    var query: WorkloadQuery
    var sql: SQLText
    var baseline: QueryPlan
    var usage: [String: TableUsage]
    var candidates: [IndexCandidate]
    /// Database milliseconds per hour, or a stand-in weight (calls, else 1) to rank indexes by.
    var weight: Double
}

/// How one query fares with the chosen indexes.
struct QueryOutcome: Sendable {
    var cost: Double
    var indexes: Set<IndexCandidate>
}

/// The indexes chosen for a workload, with each query's plan cost once they exist.
struct Selection: Sendable {
    var indexes: [IndexCandidate]
    /// By position in the planned-query list; only queries whose plan changed.
    var outcomes: [Int: QueryOutcome]
    var estimatedSizes: [IndexCandidate: Int64]
    var notes: [String]
    /// Distinct candidate indexes tried.
    var candidatesTried = 0
}

/// Chooses indexes with hypopg, the way Dexter does and then some: every candidate is created
/// hypothetically, each query re-planned, and an index kept when the query's cost falls by at
/// least `minSavings`. The set is then shrunk: an index another chosen index covers as a prefix
/// goes, and so does any index whose queries still reach the saving without it.
struct IndexSelection {
    let hypothetical: HypotheticalIndexes
    let planner: QueryPlanner
    let queries: [PlannedQuery]
    let minSavings: Double
    let progress: @Sendable (String) -> Void

    private final class State {
        var oids: [IndexCandidate: Int64] = [:]
        var tried = Set<IndexCandidate>()
        var candidates: [Int64: IndexCandidate] = [:]
        var outcomes: [Int: QueryOutcome] = [:]
    }

    func run(existing: [TableName: [ExistingIndex]]) async throws(DatabaseError) -> Selection {
        let state = State()
        var notes: [String] = []
        let improvable = try await tryOwnCandidates(existing: existing, state, notes: &notes)
        let chosen = try await shrink(Set(improvable.flatMap { state.outcomes[$0]?.indexes ?? [] }), improvable, state)

        // Final plans: every query that reads a table with a chosen index.
        let tables = Set(chosen.map(\.table))
        state.outcomes = [:]
        for (i, query) in queries.enumerated() where query.usage.values.contains(where: { tables.contains($0.table) }) {
            if let outcome = await outcome(of: query, state), !outcome.indexes.isEmpty {
                state.outcomes[i] = outcome
            }
        }
        var sizes: [IndexCandidate: Int64] = [:]
        for candidate in chosen {
            if let oid = state.oids[candidate], let size = await hypothetical.estimatedSize(oid) { sizes[candidate] = size }
        }
        try await resetAll(state)
        let served = Array(state.outcomes.keys)
        let ordered = chosen.sorted { benefit(of: $0, served, state) > benefit(of: $1, served, state) }
        return Selection(indexes: ordered, outcomes: state.outcomes, estimatedSizes: sizes, notes: notes,
                         candidatesTried: state.tried.count)
    }

    /// Plans each query with its own candidates only, and returns the queries that reach the target.
    /// (Given every query's candidates at once, the planner breaks near-ties between indexes
    /// arbitrarily and may pick one built for another query.)
    private func tryOwnCandidates(existing: [TableName: [ExistingIndex]], _ state: State, notes: inout [String])
        async throws(DatabaseError) -> [Int]
    {
        progress("trying \(Set(queries.flatMap(\.candidates)).count) candidate indexes hypothetically")
        var failed = Set<IndexCandidate>()
        var improvable: [Int] = []
        for (i, query) in queries.enumerated() {
            if i > 0 && i % 100 == 0 { progress("tried the candidates of \(i) of \(queries.count) statements") }
            let own = query.candidates.filter { !failed.contains($0) && !$0.isCovered(byAnyOf: existing[$0.table] ?? []) }
            guard !own.isEmpty else { continue }
            do {
                try await create(own, state)
            } catch {
                // One at a time, to find the candidate hypopg refuses (a type without a B-tree class, …).
                for candidate in own {
                    do {
                        try await create([candidate], state)
                    } catch {
                        failed.insert(candidate)
                        notes.append("could not try \(candidate): \(QueryPlanner.serverMessage(error))")
                    }
                }
            }
            if let outcome = await outcome(of: query, state), meetsTarget(outcome, query) {
                improvable.append(i)
                state.outcomes[i] = outcome
            }
            try await resetAll(state)
        }
        return improvable
    }

    /// Creates the useful indexes together, drops those another one covers as a prefix, then, least
    /// useful first, each one whose queries still reach the target without it. Leaves the result created.
    private func shrink(_ useful: Set<IndexCandidate>, _ improvable: [Int], _ state: State)
        async throws(DatabaseError) -> Set<IndexCandidate>
    {
        var chosen = useful
        try await create(chosen.sorted { $0.description < $1.description }, state)
        for candidate in chosen where chosen.contains(where: { $0 != candidate && candidate.isCovered(by: $0) }) {
            chosen.remove(candidate)
            try await drop(candidate, state)
        }
        // Now a query may use an index built for another one.
        for i in improvable { state.outcomes[i] = await outcome(of: queries[i], state) }

        progress("shrinking \(chosen.count) useful indexes to the smallest set")
        let ranked = chosen.sorted { benefit(of: $0, improvable, state) < benefit(of: $1, improvable, state) }
        for candidate in ranked {
            let affected = improvable.filter { state.outcomes[$0]?.indexes.contains(candidate) == true }
            try await drop(candidate, state)
            var trial: [Int: QueryOutcome] = [:]
            for i in affected { trial[i] = await outcome(of: queries[i], state) }
            if affected.allSatisfy({ i in trial[i].map { meetsTarget($0, queries[i]) } == true }) {
                chosen.remove(candidate)
                for (i, outcome) in trial { state.outcomes[i] = outcome }
            } else {
                try await create([candidate], state)
            }
        }
        return chosen
    }

    private func meetsTarget(_ outcome: QueryOutcome, _ query: PlannedQuery) -> Bool {
        outcome.cost <= query.baseline.totalCost * (1 - minSavings)
    }

    /// The weighted saving of the queries whose plan uses `candidate` (split between the indexes a plan uses).
    private func benefit(of candidate: IndexCandidate, _ indices: [Int], _ state: State) -> Double {
        indices.reduce(0) { sum, i in
            guard let outcome = state.outcomes[i], outcome.indexes.contains(candidate) else { return sum }
            let query = queries[i]
            let saved = max(0, 1 - outcome.cost / max(query.baseline.totalCost, 0.001))
            return sum + query.weight * saved / Double(outcome.indexes.count)
        }
    }

    /// Plans the query with the hypothetical indexes present now; nil when planning fails.
    private func outcome(of query: PlannedQuery, _ state: State) async -> QueryOutcome? {
        guard let plan = try? await planner.plan(query.sql) else { return nil }
        let used = plan.indexNames.compactMap { HypotheticalIndexes.oid(inIndexName: $0) }.compactMap { state.candidates[$0] }
        return QueryOutcome(cost: plan.totalCost, indexes: Set(used))
    }

    private func create(_ candidates: [IndexCandidate], _ state: State) async throws(DatabaseError) {
        guard !candidates.isEmpty else { return }
        planner.invalidatePlans()
        for (candidate, oid) in zip(candidates, try await hypothetical.create(candidates)) {
            state.tried.insert(candidate)
            state.oids[candidate] = oid
            state.candidates[oid] = candidate
        }
    }

    private func drop(_ candidate: IndexCandidate, _ state: State) async throws(DatabaseError) {
        guard let oid = state.oids.removeValue(forKey: candidate) else { return }
        state.candidates[oid] = nil
        planner.invalidatePlans()
        try await hypothetical.drop(oid)
    }

    private func resetAll(_ state: State) async throws(DatabaseError) {
        state.oids = [:]
        state.candidates = [:]
        planner.invalidatePlans()
        try await hypothetical.reset()
    }
}
