import TunerCore

/// What `--metrics-listen` serves while a run goes on: the Prometheus text exposition of the result so far
/// (updated once a second from the engine's snapshot) and of the last second's progress.
///
/// Counters cover the measured window (warm-up excluded), as the result does, so that they end exactly at the
/// result's figures; the request-duration histogram comes from the same HDR data.
public enum LiveMetrics {
    /// Upper bounds of `tuner_request_duration_seconds`' buckets, in seconds.
    public static let bucketBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// The exposition for `result` (the run so far), with the last second's progress when there is one; every
    /// series carries `labels` (a shard's `shard="2/4"`).
    public static func render(_ result: LoadResult, progress: LoadProgress?, labels given: [String: String] = [:]) -> String {
        var labels = given
        // A shard of a distributed run labels everything it serves with its place: shard="2/4".
        if let shard = result.shard, labels["shard"] == nil { labels["shard"] = "\(shard.index)/\(shard.count)" }
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ extra: [(String, String)], _ value: Double) {
            let all = labels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + extra
            let text = all.isEmpty ? "" : "{" + all.map { "\($0.0)=\"\(escaped($0.1))\"" }.joined(separator: ",") + "}"
            out += "\(name)\(text) \(number(value))\n"
        }
        let named = result.requests

        family("tuner_requests_total", "counter", "Requests completed in the measured window, by request name and status class.")
        for stats in named {
            var classes: [String: UInt64] = [:]
            for (code, count) in stats.statusCodes { classes["\(code.prefix(1))xx", default: 0] += count }
            let answered = classes.values.reduce(0, +)
            if stats.count > answered { classes["none"] = stats.count - answered }
            for (statusClass, count) in classes.sorted(by: { $0.key < $1.key }) {
                sample("tuner_requests_total", [("name", stats.name), ("status_class", statusClass)], Double(count))
            }
        }

        family("tuner_errors_total", "counter", "Failed requests in the measured window, by request name and error kind.")
        for stats in named {
            for (kind, count) in stats.errors.sorted(by: { $0.key < $1.key }) {
                sample("tuner_errors_total", [("name", stats.name), ("kind", kind)], Double(count))
            }
        }

        family("tuner_request_duration_seconds", "histogram", "Latency as the user sees it, by request name (from the HDR histograms).")
        for stats in named {
            guard let histogram = try? stats.latencyHistogram() else { continue }
            var cumulative = [UInt64](repeating: 0, count: bucketBounds.count)
            var sum = 0.0
            for recorded in histogram.recordedValues() where recorded.count > 0 {
                let seconds = Double(recorded.value) / 1_000_000
                sum += seconds * Double(recorded.count)
                for (index, bound) in bucketBounds.enumerated() where seconds <= bound { cumulative[index] += recorded.count }
            }
            for (index, bound) in bucketBounds.enumerated() {
                sample("tuner_request_duration_seconds_bucket", [("name", stats.name), ("le", number(bound))], Double(cumulative[index]))
            }
            sample("tuner_request_duration_seconds_bucket", [("name", stats.name), ("le", "+Inf")], Double(histogram.totalCount))
            sample("tuner_request_duration_seconds_sum", [("name", stats.name)], sum)
            sample("tuner_request_duration_seconds_count", [("name", stats.name)], Double(histogram.totalCount))
        }

        let schedule = result.schedule
        family("tuner_late_total", "counter", "Open model: requests sent late because every connection was busy.")
        sample("tuner_late_total", [], Double(schedule?.late ?? 0))
        family("tuner_dropped_total", "counter", "Open model: requests dropped unsent at the in-flight cap.")
        sample("tuner_dropped_total", [], Double(schedule?.dropped ?? 0))
        if let progress {
            family("tuner_target_rate", "gauge", "The schedule's target rate this second (open model), or the active connections (closed).")
            sample("tuner_target_rate", [], progress.point.target ?? 0)
            family("tuner_in_flight", "gauge", "Requests sent and not yet answered, plus (open model) requests due and waiting for a connection.")
            sample("tuner_in_flight", [], Double(progress.inFlight))
            family("tuner_generator_cpu_ratio", "gauge", "The load generator's CPU use in the last second, as a share of all cores.")
            sample("tuner_generator_cpu_ratio", [], progress.generatorCPUPercent / 100)
            family("tuner_elapsed_seconds", "gauge", "Seconds since the run started (warm-up included).")
            sample("tuner_elapsed_seconds", [], progress.elapsedSeconds)
        }
        return out
    }

    private static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    private static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
