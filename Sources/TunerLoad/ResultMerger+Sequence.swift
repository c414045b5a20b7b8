import TunerCore

extension ResultMerger {
    /// One result of two windows run one after the other at the same load (a capacity step that went on to decide
    /// its verdict): histograms and counts added, the measured seconds summed, the schedule's counts summed and its
    /// rates averaged over the time, `next`'s series after `first`'s, the thresholds judged again on the sum.
    public static func continued(_ first: LoadResult, by next: LoadResult) throws(LoadError) -> LoadResult {
        let firstSeconds = first.overall.durationSeconds
        let nextSeconds = next.overall.durationSeconds
        let duration = firstSeconds + nextSeconds
        var names: [String] = first.requests.map(\.name)
        for stats in next.requests where !names.contains(stats.name) { names.append(stats.name) }
        var requests: [RequestStats] = []
        for name in names {
            let parts = [first, next].compactMap { result in result.requests.first { $0.name == name } }
            requests.append(try mergeStats(parts, name: name, duration: duration))
        }
        let overall = try mergeStats([first.overall, next.overall], name: first.overall.name, duration: duration)
        var configuration = first.configuration
        configuration.durationSeconds = first.configuration.durationSeconds + next.configuration.durationSeconds
        configuration.warmUpSeconds = min(first.configuration.warmUpSeconds, next.configuration.warmUpSeconds)
        let offset = (first.series.map(\.second).max() ?? -1) + 1
        let series = first.series + next.series.map { point in
            var point = point
            point.second += offset
            return point
        }
        func timeWeighted(_ a: Double, _ b: Double) -> Double {
            duration > 0 ? (a * firstSeconds + b * nextSeconds) / duration : (a + b) / 2
        }
        var schedule: ScheduleStats?
        if let a = first.schedule, let b = next.schedule {
            schedule = mergeSchedule([a, b], duration: duration)
            schedule?.targetRate = timeWeighted(a.targetRate, b.targetRate)
            schedule?.achievedRate = timeWeighted(a.achievedRate, b.achievedRate)
        }
        let generator = GeneratorStats(
            cpuPercentMean: timeWeighted(first.generator.cpuPercentMean, next.generator.cpuPercentMean),
            cpuPercentMax: max(first.generator.cpuPercentMax, next.generator.cpuPercentMax),
            cores: max(first.generator.cores, next.generator.cores),
            maxResidentBytes: [first.generator.maxResidentBytes, next.generator.maxResidentBytes].compactMap { $0 }.max(),
            wasBottleneck: first.generator.wasBottleneck || next.generator.wasBottleneck)
        var notes = first.notes
        for note in next.notes where !notes.contains(note) { notes.append(note) }
        var merged = LoadResult(
            tool: first.tool, startedAt: first.startedAt, finishedAt: next.finishedAt, configuration: configuration,
            overall: overall, requests: requests, series: series, schedule: schedule, generator: generator,
            thresholds: Threshold.evaluate(first.thresholds.map(\.threshold), overall: overall, requests: requests,
                                           series: series),
            shards: first.shards, notes: notes, database: first.database, findings: first.findings)
        merged.service = next.service ?? first.service
        merged.connections = try mergeConnections([first.connections, next.connections].compactMap { $0 })
        return merged
    }
}
