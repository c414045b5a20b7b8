import Foundation
import TunerCore

/// Merges results of shards that ran side by side (distributed load) exactly: histograms are
/// added bucket by bucket, counts summed, rates added, and thresholds evaluated again on the sum.
public enum ResultMerger {
    /// Merges `results` (at least one); `thresholds` are checked in addition to those the results carry, once, on the
    /// merged figures. Shards of a distributed run (`--shard`) must be one whole (`checkShards`); `sources` name the
    /// results in its errors.
    public static func merge(
        _ results: [LoadResult], thresholds extra: [Threshold] = [], sources: [String] = []
    ) throws(LoadError) -> LoadResult {
        guard let first = results.first else { throw LoadError("nothing to merge") }
        try checkShards(results, sources: sources)
        let duration = results.map(\.overall.durationSeconds).max() ?? 0
        var names: [String] = []
        for result in results { for stats in result.requests where !names.contains(stats.name) { names.append(stats.name) } }
        var requests: [RequestStats] = []
        for name in names {
            requests.append(try mergeStats(results.compactMap { $0.requests.first { $0.name == name } }, name: name, duration: duration))
        }
        let overall = try mergeStats(results.map(\.overall), name: "all", duration: duration)

        var configuration = first.configuration
        configuration.connections = results.reduce(0) { $0 + $1.configuration.connections }
        let rates = results.compactMap(\.configuration.rate)
        configuration.rate = rates.isEmpty ? nil : rates.reduce(0, +)
        configuration.durationSeconds = results.map(\.configuration.durationSeconds).max() ?? 0
        var thresholds: [Threshold] = []
        for result in results {
            for (scope, expressions) in result.configuration.thresholds.sorted(by: { $0.key < $1.key }) {
                for expression in expressions {
                    do {
                        let threshold = try Threshold(scope: scope, parsing: expression)
                        if !thresholds.contains(threshold) { thresholds.append(threshold) }
                    } catch {
                        throw LoadError("a result carries an unreadable threshold '\(expression)': \(error.description)")
                    }
                }
            }
        }
        for threshold in extra where !thresholds.contains(threshold) { thresholds.append(threshold) }
        configuration.thresholds = [:]
        for threshold in thresholds { configuration.thresholds[threshold.scope, default: []].append(threshold.expression) }

        var notes: [String] = []
        for (index, result) in results.enumerated() {
            let label = result.shard.map { "shard \($0.index)/\($0.count)" } ?? "shard \(index + 1)"
            for note in result.notes { notes.append(results.count > 1 ? "\(label): \(note)" : note) }
        }
        let (database, databaseNotes) = observedDatabase(results)
        notes += databaseNotes
        if let skew = skewNote(results) { notes.insert(skew, at: 0) }
        let series = try mergeSeries(results.map(\.series))
        var merged = LoadResult(
            tool: "tuner \(TunerVersion.current)", startedAt: results.map(\.startedAt).min() ?? first.startedAt,
            finishedAt: results.map(\.finishedAt).max() ?? first.finishedAt, configuration: configuration,
            overall: overall, requests: requests, series: series,
            schedule: mergeSchedule(results.compactMap(\.schedule), duration: duration),
            generator: mergeGenerators(results.map(\.generator)),
            thresholds: Threshold.evaluate(thresholds, overall: overall, requests: requests, series: series),
            shards: results.reduce(0) { $0 + $1.shards }, notes: notes, database: database,
            findings: results.flatMap(\.findings))
        merged.service = results.compactMap(\.service).first
        merged.connections = try mergeConnections(results.compactMap(\.connections))
        return merged
    }

    /// Connections of every shard: counts added, histograms added; `nil` when no result has them (older files).
    static func mergeConnections(_ parts: [ConnectionStats]) throws(LoadError) -> ConnectionStats? {
        guard !parts.isEmpty else { return nil }
        var connect = LatencyHistogram.makeLatency()
        var handshake: LatencyHistogram?
        for part in parts {
            connect.add(try decode(part.histograms.connect, name: "connect"))
            if let h = part.histograms.tlsHandshake { handshake = add(try decode(h, name: "TLS handshake"), to: handshake) }
        }
        return ConnectionStats(
            opened: parts.reduce(0) { $0 + $1.opened }, failed: parts.reduce(0) { $0 + $1.failed }, connect: connect,
            tlsHandshake: handshake)
    }

    static func mergeStats(_ parts: [RequestStats], name: String, duration: Double) throws(LoadError) -> RequestStats {
        var latency = LatencyHistogram.makeLatency()
        var service: LatencyHistogram?
        var sendLag: LatencyHistogram?
        var errors: [String: UInt64] = [:]
        var statuses: [String: UInt64] = [:]
        for part in parts {
            latency.add(try decode(part.histograms.latency, name: name))
            if let s = part.histograms.service { service = add(try decode(s, name: name), to: service) }
            if let s = part.histograms.sendLag { sendLag = add(try decode(s, name: name), to: sendLag) }
            errors.merge(part.errors, uniquingKeysWith: +)
            statuses.merge(part.statusCodes, uniquingKeysWith: +)
        }
        let skipped = parts.reduce(0) { $0 + ($1.skipped ?? 0) }
        var reasons: [String] = []
        for reason in parts.flatMap({ $0.expectFailures ?? [] }) where reasons.count < 5 && !reasons.contains(reason) {
            reasons.append(reason)
        }
        return RequestStats(
            name: name, count: parts.reduce(0) { $0 + $1.count }, errors: errors, statusCodes: statuses,
            bytesReceived: parts.reduce(0) { $0 + $1.bytesReceived }, durationSeconds: duration, latency: latency,
            service: service, sendLag: sendLag, skipped: skipped > 0 ? skipped : nil, expectFailures: reasons.isEmpty ? nil : reasons)
    }

    static func mergeSeries(_ all: [[SeriesPoint]]) throws(LoadError) -> [SeriesPoint] {
        var bySecond: [Int: MergedSecond] = [:]
        for series in all {
            for point in series {
                let histogram = try point.histogram.map { (h) throws(LoadError) in try decode(h, name: "series") }
                guard var existing = bySecond[point.second] else {
                    var entry = MergedSecond(point: point, histogram: histogram)
                    try entry.addNames(point.names)
                    bySecond[point.second] = entry
                    continue
                }
                existing.point.requests += point.requests
                existing.point.errors += point.errors
                existing.point.target = (existing.point.target ?? 0) + (point.target ?? 0)
                existing.point.isWarmUp = existing.point.isWarmUp && point.isWarmUp
                if let histogram { existing.histogram = add(histogram, to: existing.histogram) }
                try existing.addNames(point.names)
                bySecond[point.second] = existing
            }
        }
        return bySecond.keys.sorted().compactMap { second in
            guard var entry = bySecond[second] else { return nil }
            if let h = entry.histogram {
                entry.point.p50 = h.millis(atPercentile: 50)
                entry.point.p99 = h.millis(atPercentile: 99)
                entry.point.histogram = HistogramCodec.encode(h)
            }
            entry.point.names = entry.names.map { names in
                names.map { name in
                    SeriesPoint.Name(name: name.name, requests: name.requests, errors: name.errors,
                                     histogram: name.histogram.map(HistogramCodec.encode))
                }
            }
            return entry.point
        }
    }

    /// One second of several shards' series as it is summed: the whole second and each name's part, in the order
    /// the names first came.
    private struct MergedSecond {
        var point: SeriesPoint
        var histogram: LatencyHistogram?
        var names: [(name: String, requests: UInt64, errors: UInt64, histogram: LatencyHistogram?)]?

        init(point: SeriesPoint, histogram: LatencyHistogram?) {
            self.point = point
            self.histogram = histogram
        }

        mutating func addNames(_ parts: [SeriesPoint.Name]?) throws(LoadError) {
            guard let parts else { return }
            var merged = names ?? []
            for part in parts {
                let histogram = try part.histogram.map { (h) throws(LoadError) in try ResultMerger.decode(h, name: "series of '\(part.name)'") }
                if let index = merged.firstIndex(where: { $0.name == part.name }) {
                    merged[index].requests += part.requests
                    merged[index].errors += part.errors
                    if let histogram { merged[index].histogram = ResultMerger.add(histogram, to: merged[index].histogram) }
                } else {
                    merged.append((part.name, part.requests, part.errors, histogram))
                }
            }
            names = merged
        }
    }

    static func mergeSchedule(_ parts: [ScheduleStats], duration: Double) -> ScheduleStats? {
        guard !parts.isEmpty else { return nil }
        var merged = ScheduleStats(
            planned: parts.reduce(0) { $0 + $1.planned }, sent: parts.reduce(0) { $0 + $1.sent },
            late: parts.reduce(0) { $0 + $1.late }, dropped: parts.reduce(0) { $0 + $1.dropped },
            expired: parts.contains { $0.expired != nil } ? parts.reduce(0) { $0 + ($1.expired ?? 0) } : nil,
            targetRate: parts.reduce(0) { $0 + $1.targetRate }, achievedRate: parts.reduce(0) { $0 + $1.achievedRate })
        // Shards' windows and a step's successive windows both add their events.
        merged.expected = parts.allSatisfy { $0.expected != nil } ? parts.reduce(0) { $0 + ($1.expected ?? 0) } : nil
        return merged
    }

    /// Shards ran on their own machines: the busiest generator speaks for the merged run.
    static func mergeGenerators(_ parts: [GeneratorStats]) -> GeneratorStats {
        GeneratorStats(
            cpuPercentMean: parts.map(\.cpuPercentMean).max() ?? 0, cpuPercentMax: parts.map(\.cpuPercentMax).max() ?? 0,
            cores: parts.map(\.cores).max() ?? 0, maxResidentBytes: parts.compactMap(\.maxResidentBytes).max(),
            wasBottleneck: parts.contains { $0.wasBottleneck })
    }

    private static func decode(_ encoded: String, name: String) throws(LoadError) -> LatencyHistogram {
        do {
            return try HistogramCodec.decode(encoded)
        } catch {
            throw LoadError("the histogram of '\(name)' cannot be read: \(error.description)")
        }
    }

    private static func add(_ histogram: LatencyHistogram, to existing: LatencyHistogram?) -> LatencyHistogram {
        guard var existing else { return histogram }
        existing.add(histogram)
        return existing
    }
}
