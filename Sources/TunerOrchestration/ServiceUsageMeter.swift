import Foundation
import TunerCore

/// Measures what the service used during a load: one reading before it (so a wrong pid or path fails before any
/// traffic), one each second while it runs, one after. CPU per request is the whole load's CPU (warm-up included)
/// over every request it completed: nothing is in flight before the load or after its drain, so no request
/// straddles either end (a window cut at the warm-up's end would charge it with requests it does not count).
package struct ServiceUsageMeter: Sendable {
    package let source: ServiceSource
    package var wattsPerBusyCore = ServiceUsage.EnergyEstimate.defaultWattsPerBusyCore
    package var gramsCO2PerKilowattHour = ServiceUsage.EnergyEstimate.defaultGramsCO2PerKilowattHour

    package init(source: ServiceSource) {
        self.source = source
    }

    /// A reading taken `seconds` after the meter began.
    struct Sample: Sendable {
        let seconds: Double
        let reading: ServiceSource.Reading
    }

    /// The meter running alongside a load.
    package final class Session: Sendable {
        let meter: ServiceUsageMeter
        let began: ContinuousClock.Instant
        let first: ServiceSource.Reading
        let sampling: Task<[Sample], Never>
        let scraper: MetricsSampler?

        init(meter: ServiceUsageMeter, began: ContinuousClock.Instant, first: ServiceSource.Reading, scraper: MetricsSampler?) {
            self.meter = meter
            self.began = began
            self.first = first
            self.scraper = scraper
            sampling = Task {
                var samples: [Sample] = []
                var next = 1
                while !Task.isCancelled {
                    try? await Task.sleep(until: began + .seconds(next), clock: .continuous)
                    guard !Task.isCancelled else { break }
                    if let reading = try? await meter.source.read(scraper: scraper) {
                        samples.append(Sample(seconds: (ContinuousClock.now - began).seconds, reading: reading))
                    }
                    next += 1
                }
                return samples
            }
        }

        /// Stops sampling and puts the usage into `result` (its `service` section, and notes for what could not be
        /// measured), over every request the load completed, warm-up included: its series' total.
        package func finish(_ result: inout LoadResult) async {
            let (usage, notes) = await end(requests: result.series.reduce(0) { $0 + $1.requests })
            result.service = usage
            result.notes += notes
        }

        /// Stops sampling, measuring nothing (the load failed).
        package func cancel() {
            sampling.cancel()
        }

        /// Stops sampling and computes the usage from the start to now over the load's `requests` (all it
        /// completed, warm-up included); notes say what could not be measured.
        package func end(requests: UInt64) async -> (usage: ServiceUsage?, notes: [String]) {
            sampling.cancel()
            var samples = [Sample(seconds: 0, reading: first)] + (await sampling.value)
            var notes: [String] = []
            do {
                samples.append(Sample(seconds: (ContinuousClock.now - began).seconds, reading: try await meter.source.read(scraper: scraper)))
            } catch {
                notes.append("the service's last reading failed (\(error)); its figures end at the last good one")
            }
            guard let last = samples.last, last.seconds > 0 else {
                return (nil, notes + ["the service was not measured (\(meter.source.description))"])
            }
            let cpu = max(last.reading.cpuSeconds - first.cpuSeconds, 0)
            var series: [ServiceUsage.Point] = []
            var coresMax: Double?
            for (before, after) in zip(samples, samples.dropFirst()) {
                let span = after.seconds - before.seconds
                guard span > 0.2 else { continue }
                let cores = max(after.reading.cpuSeconds - before.reading.cpuSeconds, 0) / span
                coresMax = max(coresMax ?? 0, cores)
                series.append(ServiceUsage.Point(
                    second: Int(after.seconds.rounded()), cores: (cores * 1000).rounded() / 1000,
                    residentBytes: after.reading.residentBytes))
            }
            let resident = samples.compactMap(\.reading.residentBytes)
            let usage = ServiceUsage(
                source: meter.source.description, cpuSeconds: cpu, requests: requests, wallSeconds: last.seconds,
                coresMax: coresMax, residentBytesAtStart: first.residentBytes, residentBytesPeak: resident.max(),
                series: series, wattsPerBusyCore: meter.wattsPerBusyCore, gramsCO2PerKilowattHour: meter.gramsCO2PerKilowattHour,
                allowedCores: samples.compactMap(\.reading.allowedCores).min())
            var measured = usage
            if let waited = ServiceUsageMeter.runQueueSeconds(samples.map(\.reading)) {
                measured.waitingCores = (waited / last.seconds * 1000).rounded() / 1000
            }
            return (measured, notes)
        }
    }

    /// Seconds the service's threads waited for a CPU between the first reading and the last: each thread's growth
    /// from one reading to the next, a thread first seen after the first reading counted from its start (it began
    /// during the load). A thread that ended between two readings loses at most a second's delay.
    static func runQueueSeconds(_ readings: [ServiceSource.Reading]) -> Double? {
        guard var previous = readings.first?.runQueueSeconds else { return nil }
        var waited = 0.0
        for reading in readings.dropFirst() {
            guard let current = reading.runQueueSeconds else { continue }
            for (thread, delay) in current { waited += max(delay - (previous[thread] ?? 0), 0) }
            previous = current
        }
        return waited
    }

    /// Takes the first reading and starts sampling; a source that cannot be read is an error now.
    package func begin(scraper: MetricsSampler? = nil) async throws(WorkflowError) -> Session {
        // One scraper for every reading of a metrics source (a URLSession each second would be set up anew).
        var scraper = scraper
        if scraper == nil, case .metrics(let url) = source { scraper = MetricsSampler(url: url) }
        let first = try await source.read(scraper: scraper)
        return Session(meter: self, began: .now, first: first, scraper: scraper)
    }
}
