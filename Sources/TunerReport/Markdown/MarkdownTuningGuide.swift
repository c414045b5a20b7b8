import TunerCore

/// report.md's `## The tuning guide, filled in`: seed 002's template in its order, each blank replaced by the
/// measured value and where it came from, or by `not measured (why)`.
struct MarkdownTuningGuide {
    let guide: TuningGuide

    func render() -> String {
        [intro(), pool(), flush(), postgres(), indexes(), json(), prewarming(), batch(), mutex(), monitoring(), checklist()]
            .joined(separator: "\n")
    }

    /// `value *(source)*` or `not measured (why)`, for running text.
    static func inline(_ value: TuningGuide.Value, unit: String = "") -> String {
        guard let text = value.text else { return "not measured (\(rich(value.source)))" }
        return "**\(text.markdownEscaped)\(unit)** *(\(rich(value.source)))*"
    }

    /// `NAME=value  # source`, or the line commented out with why, for a code block.
    static func assignment(_ name: String, _ value: TuningGuide.Value, unit: String = "") -> String {
        guard let text = value.text else { return "# \(name): not measured (\(value.source.replacingAll("`", with: "")))" }
        return "\(name)=\(text)\(unit)"
    }

    /// Text whose `code` spans become code and the rest escaped.
    static func rich(_ text: String) -> String {
        text.split(separator: "`", omittingEmptySubsequences: false).enumerated().map { index, part in
            index % 2 == 1 ? String(part).markdownCode : String(part).markdownEscaped
        }.joined()
    }

    private func intro() -> String {
        """
        ## The tuning guide, filled in

        Seed 002's template (Performance Tuning Guide), in its order. Each blank holds the value this report \
        measured, with where it came from in italics, or the reason this report could not know it.

        **Last Updated:** \(Self.inline(guide.lastUpdated))

        """
    }

    private func pool() -> String {
        var out = "### Configuration 1. Database connection pool\n\n"
        if let change = guide.change(.connectionPool), let text = change.after.change {
            out += "**Changed in Optimization #\(change.number):** \(text.markdownEscaped)\n\n"
        }
        out += "**Recommended:** \(Self.inline(guide.recommendedPool, unit: " connections"))\n\n"
        out += ([Self.assignment("DB_MAX_OPEN_CONNS", guide.recommendedPool), Self.assignment("DB_MAX_IDLE_CONNS", guide.idlePool),
                 "DB_CONN_MAX_LIFETIME=30m", "DB_CONN_MAX_IDLE_TIME=5m"].joined(separator: "\n")).markdownCodeBlock(language: "bash") + "\n\n"
        out += "- DB\\_MAX\\_IDLE\\_CONNS: \(Self.inline(guide.idlePool))\n\n"
        out += "**Rationale:** " + (guide.poolRationale.map(\.markdownEscaped) ?? "not measured (no sweep of the pool size in this report)") + "\n\n"
        out += "**Expected impact:**\n\n"
        out += "- Capacity increase: \(Self.inline(guide.capacityIncrease(.connectionPool)))\n"
        out += "- Latency improvement: \(Self.inline(guide.latencyImprovement(.connectionPool)))\n"
        return out
    }

    private func flush() -> String {
        var out = "### Configuration 2. Buffer flush interval\n\n"
        out += "**Consider:** \(Self.inline(guide.flushInterval, unit: guide.flushInterval.text == "1" ? " second" : " seconds"))\n\n"
        out += [Self.assignment("BUFFER_FLUSH_INTERVAL", guide.flushInterval, unit: "s"),
                Self.assignment("BUFFER_SIZE_LIMIT", guide.bufferSizeLimit)].joined(separator: "\n").markdownCodeBlock(language: "bash") + "\n\n"
        out += "- BUFFER\\_SIZE\\_LIMIT: \(Self.inline(guide.bufferSizeLimit))\n\n"
        let rows = guide.intervalRows
        if rows.isEmpty {
            out += "**Trade-off analysis:** not measured (no sweep of a flush interval in this report)\n\n"
        } else {
            out += "**Trade-off analysis** (measured by the sweep: how long rows wait before they are durable and the "
                + "write path's p95; database transactions per second; the rate achieved):\n\n"
            var table = MarkdownTable(headers: ["Interval", "E2E Latency", "DB Writes/sec", "Throughput", "Recommendation"])
            table.rows = rows.map { [$0.interval, $0.latency, $0.writes, $0.throughput, $0.recommendation].map(\.markdownEscaped) }
            out += table.render() + "\n"
        }
        out += "**Recommendation:** " + (guide.flushSweep?.recommendation.map { $0.markdownEscaped + "." }
            ?? "not measured (no sweep of a flush interval in this report)") + "\n"
        return out
    }

    private func postgres() -> String {
        var out = "### Configuration 3. PostgreSQL configuration\n\n"
        if let change = guide.change(.postgresSettings), let settings = change.after.change {
            out += "Applied in Optimization #\(change.number) (live → recommended for this machine):\n\n"
            out += settings.markdownCodeBlock(language: "conf") + "\n\n"
        } else {
            out += "No postgresql.conf change in this report: `tuner db config --db URL` prints the settings for the machine.\n\n"
        }
        out += "**Expected impact:**\n\n"
        out += "- Query performance: \(Self.inline(guide.queryPerformance)) improvement\n"
        out += "- Connection handling: \(Self.inline(guide.connectionHandling)) better\n"
        out += "- Cache hit ratio: \(Self.inline(guide.cacheHitRatio)) (target: > 95%)\n"
        return out
    }

    private func indexes() -> String {
        var out = "### Configuration 4. Index optimization\n\n"
        if let change = guide.change(.indexes), let created = change.after.change {
            out += "**Verified indexes** (created in Optimization #\(change.number), scanned in the runs after it):\n\n"
            out += created.markdownCodeBlock(language: "sql") + "\n\n"
        }
        let usage = guide.indexUsage
        out += "**Index usage verification** (the last run's most scanned indexes, pg_stat_user_indexes):\n\n"
        if usage.isEmpty {
            out += "not measured (" + (guide.result.database == nil ? "the database was not observed" : "no index was used") + ")\n\n"
        } else {
            var table = MarkdownTable(headers: ["Index Name", "Scans", "Tuples Read", "Efficiency"], rightAligned: [1, 2, 3])
            table.rows = usage.map { index in
                [index.index.markdownCode + " on " + index.qualifiedTable.markdownEscaped, NumberFormat.count(index.scans),
                 NumberFormat.count(index.tuplesRead),
                 index.efficiency.map { NumberFormat.percent($0) } ?? "- (no entry read)"]
            }
            out += table.render() + "\nEfficiency: rows fetched per index entry read.\n\n"
        }
        let recommendations = guide.indexRecommendations
        out += "**Recommendations:**\n\n"
        out += recommendations.isEmpty ? "- not measured (the database was not observed)\n"
            : recommendations.map { "- " + Self.rich($0) }.joined(separator: "\n") + "\n"
        return out
    }

    private func json() -> String {
        var out = "### Code 1. Reduce JSON allocations\n\n"
        out += "**Issue identified:** \(Self.inline(guide.jsonIssue))\n\n"
        let (function, location) = guide.bottleneck
        out += "**Current bottleneck (from pprof):**\n\n"
        if let name = function.text {
            out += "\(name)\nLocation: \(location.text ?? "not measured (\(location.source))")".markdownCodeBlock() + "\n\n"
            out += "*(\(Self.rich(function.source)))*\n\n"
        } else {
            out += "not measured (\(Self.rich(function.source)))\n\n"
        }
        out += "**Expected impact:** \(Self.inline(guide.cpuReduction(.code))) CPU reduction\n"
        return out
    }

    private func prewarming() -> String {
        var out = "### Code 2. Connection pool pre-warming\n\n"
        out += "**Issue identified:** " + (guide.coldStartIssue.map(\.markdownEscaped) ?? "not measured (no cold-start measurement)") + "\n\n"
        out += "**Expected impact:** \(Self.inline(guide.firstRequestGain, unit: " ms")) faster first-request latency\n"
        return out
    }

    private func batch() -> String {
        var out = "### Code 3. Batch processing optimization\n\n"
        let (milliseconds, rows) = guide.batchTime
        out += "**Current performance (from test results):**\n\n"
        out += "- Batch \(guide.report.batch?.upsert == false ? "INSERT" : "UPSERT") time: \(Self.inline(milliseconds, unit: " ms")) "
            + "for \(Self.inline(rows, unit: " rows"))\n"
        out += "- Throughput: \(Self.inline(guide.batchThroughput, unit: " rows/sec"))\n\n"
        let size = guide.maxBatchSize
        out += (size.text.map { "const maxBatchSize = \($0)  // \(size.source.replacingAll("`", with: ""))" }
            ?? "// maxBatchSize: not measured (\(size.source.replacingAll("`", with: "")))").markdownCodeBlock(language: "go") + "\n\n"
        if let batch = guide.report.batch, let knee = batch.knee {
            let rows = batch.sizes.map { "\($0.size): \(NumberFormat.count(UInt64($0.rowsPerSecond.rounded()))) rows/s" }
            out += "**Recommendation:** batches of \(knee.size) rows (" + rows.joined(separator: ", ").markdownEscaped
                + "); past the knee a bigger batch holds its locks and its WAL longer for less than 10% more rows/s.\n"
        } else {
            out += "**Recommendation:** not measured (no batch-size measurement)\n"
        }
        return out
    }

    private func mutex() -> String {
        var out = "### Code 4. Mutex granularity\n\n"
        out += "**Issue identified:** \(Self.inline(guide.lockIssue))\n\n"
        let recommendation = guide.lockRecommendation.map { Self.rich($0) }
            ?? (guide.result.lockProfile == nil ? "not measured (no mutex profile of the service in this report)"
                : "keep the locking as it is: the waits are under the finding's threshold")
        out += "**Recommendation:** \(recommendation)\n"
        return out
    }

    private func monitoring() -> String {
        """
        ### Monitoring alerts and load testing in production

        `tuner alerts SCENARIO.yaml` writes the Prometheus alerting rules for the scenario's targets; \
        `tuner k8s run` spreads the load over pods (docs/distributed.md).

        """
    }

    private func checklist() -> String {
        let result = guide.result
        func item(_ done: Bool, _ text: String) -> String { "- [\(done ? "x" : " ")] \(text)" }
        let lines = [
            item(guide.change(.connectionPool) != nil || guide.poolSweep != nil, "Database connection pool configured (measured)"),
            item(guide.change(.postgresSettings) != nil, "PostgreSQL tuning parameters set"),
            item(guide.change(.indexes) != nil || !(result.database?.indexes.isEmpty ?? true), "Indexes created and verified"),
            item(guide.flushSweep != nil, "Buffer configuration optimized"),
            item(result.service != nil, "CPU and memory of the service monitored"),
            item(!(result.database?.pool.isEmpty ?? true), "Database connection pool utilization tracked"),
            item(result.profile != nil, "CPU profile collected (pprof)"),
            item(true, "Error rates monitored"),
        ]
        return "### Optimization checklist (what this report covered)\n\n" + lines.joined(separator: "\n") + "\n"
    }
}
