import TunerCore

/// What `tuner db advise` found: the indexes to create, what each saves, and existing indexes to reconsider.
public struct AdvisorReport: Codable, Sendable {
    /// How the suggestions were judged.
    public enum Method: String, Codable, Sendable {
        /// Hypothetical indexes (hypopg) re-planned by PostgreSQL: the planner's own costs.
        case hypothetical
        /// Column statistics only (no hypopg): a rough model, less certain.
        case statistics
    }

    public var method: Method
    public var serverVersion: Int
    /// The share by which an index must cut a query's cost to be suggested (0.5 = 50%).
    public var minSavings: Double
    public var workload: WorkloadSummary
    public var suggestions: [IndexSuggestion]
    /// Statements that could not be planned, with the server's reason.
    public var unplanned: [UnplannedQuery]
    /// Existing indexes that are unused by the workload, redundant, or invalid.
    public var existingIndexes: [IndexReview]
    public var notes: [String]
    /// Filled by `apply`: what `--apply` created.
    public var applied: [AppliedIndex]
    public var effort: AdvisorEffort

    /// Database time all suggestions together are expected to save per hour (nil when calls are unknown).
    public var savedMillisecondsPerHour: Double? {
        let values = suggestions.compactMap(\.savedMillisecondsPerHour)
        return values.isEmpty ? nil : values.reduce(0, +)
    }
}

/// What the advice cost: plans asked of PostgreSQL, candidate indexes tried, wall-clock time.
public struct AdvisorEffort: Codable, Sendable {
    public var plans: Int
    public var candidatesTried: Int
    public var seconds: Double
}

/// Where the workload came from and how much of it could be planned.
public struct WorkloadSummary: Codable, Sendable {
    public var source: AdvisorWorkload.Source
    /// Statements given (after --min-calls/--min-time).
    public var statements: Int
    /// Statements planned (plannable kinds that read at least one user table).
    public var planned: Int
    /// The span call counts were taken over, for "per hour".
    public var observedSeconds: Double?
}

/// One index to create.
public struct IndexSuggestion: Codable, Sendable {
    public var table: TableName
    public var name: String
    public var columns: [IndexColumn]
    /// `CREATE INDEX CONCURRENTLY name ON schema.table (…);`
    public var statement: String
    public var method: AdvisorReport.Method
    /// The queries whose plan uses the index, with their cost before and after.
    public var queries: [ServedQuery]
    /// hypopg's estimate of the index size.
    public var estimatedSizeBytes: Int64?
    /// Database time saved per hour by this index (its share where a query uses several new indexes).
    public var savedMillisecondsPerHour: Double?
    /// Set when the table is written more than it is read: every insert and update will also pay for this index.
    public var writeWarning: String?
    public var tableActivity: TableWriteActivity
    /// Existing indexes this one would make redundant (their columns are a prefix of it).
    public var makesRedundant: [String]
}

/// A workload query an index serves.
public struct ServedQuery: Codable, Sendable {
    public var text: String
    public var queryID: String?
    public var calls: Int64?
    public var meanMilliseconds: Double?
    /// The planner's estimated cost without and with the suggested indexes (after: a model without hypopg).
    public var costBefore: Double
    public var costAfter: Double
    public var savedMillisecondsPerHour: Double?

    /// The share of the cost the new index(es) remove.
    public var savings: Double { costBefore > 0 ? max(0, 1 - costAfter / costBefore) : 0 }
}

/// A statement the advisor could not plan, and why.
public struct UnplannedQuery: Codable, Sendable {
    public var text: String
    public var reason: String
}

/// An existing index worth a second look.
public struct IndexReview: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// No workload query's plan uses it.
        case unused
        /// Another index (existing or suggested) starts with the same columns.
        case redundant
        /// A failed `CREATE INDEX CONCURRENTLY` left it behind: it costs writes and serves nothing.
        case invalid
    }

    public var kind: Kind
    public var index: ExistingIndex
    public var reason: String
    /// `DROP INDEX CONCURRENTLY …;` (the advisor never runs it).
    public var dropStatement: String
}

/// One index `--apply` created (or failed to create).
public struct AppliedIndex: Codable, Sendable {
    public var name: String
    public var statement: String
    public var succeeded: Bool
    public var seconds: Double
    public var sizeBytes: Int64?
    public var error: String?
}
