import Foundation
import TunerCore

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Scrapes the service's Prometheus endpoint once a second during the load, for its pool figures.
package final class MetricsSampler: Sendable {
    let url: URL
    private let session: URLSession

    package init(url: URL) {
        self.url = url
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 2
        session = URLSession(configuration: configuration)
    }

    /// One scrape, parsed; throws a one-line error when the endpoint does not answer with metrics.
    package func scrape() async throws -> [PrometheusText.Sample] {
        let (data, response) = try await session.data(from: url)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            throw WorkflowError("metrics endpoint \(url.absoluteString) answered \(status)")
        }
        return PrometheusText.parse(String(decoding: data, as: UTF8.self))
    }

    /// Samples until cancelled; returns the pool samples and what went wrong (at most a few notes).
    func samplePool(interval: Duration = .seconds(1)) async -> (samples: [PoolSample], notes: [String]) {
        let started = ContinuousClock.now
        var samples: [PoolSample] = []
        var notes: [String] = []
        var sawMetrics = false
        while !Task.isCancelled {
            let second = Int((ContinuousClock.now - started).seconds)
            do {
                let scraped = try await scrape()
                sawMetrics = true
                if let pool = PoolMetricsReader.sample(scraped, second: second) { samples.append(pool) }
            } catch {
                if notes.isEmpty { notes.append("metrics at \(url.absoluteString) could not be read: \(error)") }
            }
            try? await Task.sleep(for: interval)
        }
        if sawMetrics && samples.isEmpty {
            notes.append("the metrics at \(url.absoluteString) name no connection pool Tuner recognises (see docs/run.md)")
        }
        return (samples, notes)
    }
}

/// A failure of a whole workflow step, as one line.
public struct WorkflowError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
