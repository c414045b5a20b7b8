import TunerCore

/// What saturated at a capacity search's breaking point: the database (and the service's pool) as observed
/// during the last passing step against the first failing one, figure by figure, and the statement whose
/// time grew most.
public enum SaturationAnalysis {
    /// One observed step of the search.
    public struct Step: Sendable {
        public var offeredRate: Double
        public var run: DatabaseRun
        /// Seconds the observation covered.
        public var seconds: Double
        public var tempFiles: Int64

        public init(offeredRate: Double, run: DatabaseRun, seconds: Double, tempFiles: Int64) {
            self.offeredRate = offeredRate
            self.run = run
            self.seconds = seconds
            self.tempFiles = tempFiles
        }
    }

    /// Lines for the capacity section: the limit that showed first (a sentence), then each figure passing →
    /// failing (`failing` may carry the samples of every failing step: the maxima are theirs).
    public static func lines(passing: Step, failing: Step) -> [String] {
        var lines: [String] = []
        var limits: [String] = []
        let rates = "\(NumberFormat.number(passing.offeredRate)) → \(NumberFormat.number(failing.offeredRate)) req/s"

        if let pass = PoolFigures(passing.run.pool), let fail = PoolFigures(failing.run.pool) {
            let size = fail.size.map { " of \($0)" } ?? ""
            lines.append("service pool in use: max \(pass.maxInUse) → \(fail.maxInUse)\(size); requests waiting for a "
                         + "connection: max \(pass.maxWaiting) → \(fail.maxWaiting)")
            // Saturated: every connection in use and requests waiting, or (a step that failed by a hair, whose
            // queue a once-a-second sample can miss) every connection in use nearly all the time.
            let full = fail.size.map { fail.maxInUse >= $0 } ?? (fail.maxWaiting > 0)
            let busy = fail.size.map { fail.meanInUse >= 0.9 * Double($0) } ?? false
            if full && (fail.maxWaiting > 0 || busy) {
                limits.append("the service's connection pool (all \(fail.size.map(String.init) ?? "its") connections in use"
                              + (fail.maxWaiting > 0 ? ", up to \(fail.maxWaiting) requests waiting)"
                                  : " \(NumberFormat.percent(fail.meanInUse / Double(fail.size ?? 1))) of the time on average)"))
            }
        }
        let pass = ActivityFigures(passing.run.connections)
        let fail = ActivityFigures(failing.run.connections)
        if let pass, let fail {
            lines.append("active database sessions: mean \(NumberFormat.significant(pass.meanActive)) → "
                         + "\(NumberFormat.significant(fail.meanActive)), max \(pass.maxActive) → \(fail.maxActive)"
                         + (failing.run.maxConnections.map { " (max_connections \($0))" } ?? ""))
            lines.append("sessions waiting on a lock: max \(pass.maxWaiting) → \(fail.maxWaiting)")
            if fail.maxWaiting > pass.maxWaiting, fail.maxWaiting > 0 {
                limits.append("lock waits (up to \(fail.maxWaiting) sessions waiting)")
            }
            if let max = failing.run.maxConnections, fail.maxTotal >= max - 3 {
                limits.append("max_connections (\(fail.maxTotal) of \(max) connections open)")
            }
        }
        if failing.tempFiles > 0 || passing.tempFiles > 0 {
            lines.append("temp files: \(passing.tempFiles) → \(failing.tempFiles)")
            if failing.tempFiles > passing.tempFiles { limits.append("queries spilling to temp files") }
        }
        if let grown = mostGrown(passing, failing) { lines.append(grown) }
        let sentence = limits.isEmpty
            ? "at the breaking point (\(rates)) the database showed no saturation (no pool or lock waits, no temp files): look at the service's own CPU and threads"
            : "at the breaking point (\(rates)) the limit was " + limits.joined(separator: "; then ")
        return [sentence] + lines
    }

    /// The statement whose database time per second grew most between the steps.
    static func mostGrown(_ passing: Step, _ failing: Step) -> String? {
        guard passing.seconds > 0, failing.seconds > 0 else { return nil }
        let before = Dictionary(passing.run.queries.map { ($0.queryID, $0) }, uniquingKeysWith: { a, _ in a })
        let growth = failing.run.queries.map { query -> (QueryStats, Double, Double) in
            let was = before[query.queryID].map { $0.totalMilliseconds / passing.seconds } ?? 0
            return (query, was, query.totalMilliseconds / failing.seconds)
        }
        guard let top = growth.max(by: { $0.2 - $0.1 < $1.2 - $1.1 }), top.2 > top.1 else { return nil }
        let mean = before[top.0.queryID].map { NumberFormat.millis($0.meanMilliseconds) + " → " } ?? ""
        return "the statement whose time grew most: \(top.0.query.collapsingWhitespace.truncated(to: 90)) — "
            + "\(NumberFormat.millis(top.1)) → \(NumberFormat.millis(top.2)) of database time per second, "
            + "mean \(mean)\(NumberFormat.millis(top.0.meanMilliseconds))"
    }

    private struct PoolFigures {
        var maxInUse: Int
        var meanInUse: Double
        var maxWaiting: Int
        var size: Int?

        init?(_ samples: [PoolSample]) {
            guard !samples.isEmpty else { return nil }
            maxInUse = samples.map(\.inUse).max() ?? 0
            meanInUse = Double(samples.map(\.inUse).reduce(0, +)) / Double(samples.count)
            maxWaiting = samples.map(\.waiting).max() ?? 0
            size = samples.compactMap(\.size).max()
        }
    }

    private struct ActivityFigures {
        var meanActive: Double
        var maxActive: Int
        var maxWaiting: Int
        var maxTotal: Int

        init?(_ samples: [ConnectionSample]) {
            guard !samples.isEmpty else { return nil }
            meanActive = Double(samples.map(\.active).reduce(0, +)) / Double(samples.count)
            maxActive = samples.map(\.active).max() ?? 0
            maxWaiting = samples.map(\.waiting).max() ?? 0
            maxTotal = samples.map(\.total).max() ?? 0
        }
    }
}
