import Foundation
import TunerCore

/// Plausible results of a shop under load, generated (deterministically) by simulating every request:
/// the material for report tests and for the screenshot script.
enum SampleResult {
    /// Which state of the shop the run simulates.
    enum Shop {
        /// Missing index on orders(customer_id), N+1 on the product list, a pool of 10 that saturates.
        case before
        /// The index created: product lookups fast, the pool no longer waits.
        case after
    }

    /// A deterministic random source (SplitMix64): the same seed gives the same run.
    struct Random {
        var state: UInt64
        mutating func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return Double(z >> 11) / Double(1 << 53)
        }

        /// A log-normal sample with the given median and spread.
        mutating func logNormal(median: Double, sigma: Double) -> Double {
            let u1 = max(next(), 1e-12)
            let u2 = next()
            let normal = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
            return median * exp(sigma * normal)
        }
    }

    struct Endpoint {
        var name: String
        var method: String
        var path: String
        var weight: Int
        var median: Double
        var sigma: Double
        var errorRate: Double
    }

    static let thresholds: [String: [String]] = [
        "list-products": ["p95 < 100ms", "p99 < 300ms"],
        "product": ["p95 < 50ms"],
        "all": ["error_rate < 1%", "rps > 300"],
    ]

    static func endpoints(_ shop: Shop, hostileName: Bool) -> [Endpoint] {
        let slow = shop == .before
        return [
            Endpoint(name: "list-products", method: "GET", path: "/products?page=1", weight: 8,
                     median: slow ? 38 : 9, sigma: slow ? 0.55 : 0.4, errorRate: 0),
            Endpoint(name: hostileName ? "<script>alert('name')</script>" : "product", method: "GET",
                     path: "/products/${random:1..100000}", weight: 4, median: slow ? 21 : 2.1, sigma: 0.5, errorRate: 0),
            Endpoint(name: "order", method: "POST", path: "/orders", weight: 1, median: slow ? 64 : 14, sigma: 0.45,
                     errorRate: slow ? 0.012 : 0.001),
        ]
    }

    /// A simulated open-model run: 10 s warm-up ramping to `rate`, then `seconds` at `rate`.
    static func make(_ shop: Shop = .before, seconds: Int = 60, rate: Double = 400, seed: UInt64 = 1,
                     withDatabase: Bool = true, hostile: Bool = false, perSecondHistograms: Bool = true) -> LoadResult {
        var random = Random(state: seed)
        let warmUp = 10
        let endpoints = Self.endpoints(shop, hostileName: hostile)
        let totalWeight = Double(endpoints.reduce(0) { $0 + $1.weight })
        var histograms = endpoints.map { _ in LatencyHistogram.makeLatency() }
        var counts = endpoints.map { _ in UInt64(0) }
        var errors = endpoints.map { _ in UInt64(0) }
        var overall = LatencyHistogram.makeLatency()
        var series: [SeriesPoint] = []
        for second in 0..<(warmUp + seconds) {
            let isWarmUp = second < warmUp
            let target = isWarmUp ? rate * Double(second + 1) / Double(warmUp) : rate
            // Slow seconds now and then: a checkpoint, a vacuum, the pool running dry.
            let hiccup = random.next() < (shop == .before ? 0.08 : 0.03) ? (shop == .before ? 3.5 : 1.8) : 1
            let achieved = shop == .before ? min(target, 372 + 20 * random.next()) : target
            let n = Int((achieved * (0.97 + 0.06 * random.next())).rounded())
            var secondHistogram = LatencyHistogram.makeLatency()
            var secondErrors: UInt64 = 0
            for _ in 0..<n {
                var pick = random.next() * totalWeight
                var index = 0
                while pick >= Double(endpoints[index].weight) && index < endpoints.count - 1 {
                    pick -= Double(endpoints[index].weight)
                    index += 1
                }
                let e = endpoints[index]
                let ms = random.logNormal(median: e.median * hiccup, sigma: e.sigma)
                let micros = UInt64(max(ms * 1000, 50))
                secondHistogram.recordClamped(micros: micros)
                let failed = random.next() < e.errorRate
                if failed { secondErrors += 1 }
                if !isWarmUp {
                    histograms[index].recordClamped(micros: micros)
                    overall.recordClamped(micros: micros)
                    counts[index] += 1
                    if failed { errors[index] += 1 }
                }
            }
            series.append(SeriesPoint(second: second, isWarmUp: isWarmUp, requests: UInt64(n), errors: secondErrors,
                                      p50: secondHistogram.millis(atPercentile: 50), p99: secondHistogram.millis(atPercentile: 99),
                                      target: target, histogram: perSecondHistograms ? HistogramCodec.encode(secondHistogram) : nil))
        }
        let duration = Double(seconds)
        let requests = endpoints.indices.map { i in
            RequestStats(name: endpoints[i].name, count: counts[i], errors: errors[i] > 0 ? ["status_5xx": errors[i]] : [:],
                         statusCodes: ["200": counts[i] - errors[i]].merging(errors[i] > 0 ? ["500": errors[i]] : [:]) { $1 },
                         bytesReceived: counts[i] * 1800, durationSeconds: duration, latency: histograms[i])
        }
        let totalErrors = errors.reduce(0, +)
        let totalCount = counts.reduce(0, +)
        let all = RequestStats(name: "all", count: totalCount, errors: totalErrors > 0 ? ["status_5xx": totalErrors] : [:],
                               statusCodes: ["200": totalCount - totalErrors, "500": totalErrors], bytesReceived: totalCount * 1800,
                               durationSeconds: duration, latency: overall)
        var parsed: [Threshold] = []
        var scopes = thresholds
        if hostile { scopes["<script>alert('name')</script>"] = ["p95 < 50ms"]; scopes["product"] = nil }
        for (scope, expressions) in scopes.sorted(by: { $0.key < $1.key }) {
            for e in expressions { parsed.append(try! Threshold(scope: scope, parsing: e)) }
        }
        let outcomes = Threshold.evaluate(parsed, overall: all, requests: requests)
        let start = Date(timeIntervalSince1970: shop == .before ? 1_790_000_000 : 1_790_003_600)
        let planned = UInt64(rate * duration)
        let configuration = RunConfiguration(
            target: hostile ? "http://127.0.0.1:8080/\"><script>alert('target')</script>" : "http://127.0.0.1:8080",
            model: "open", profile: "load",
            stages: [.init(durationSeconds: Double(warmUp), target: rate), .init(durationSeconds: duration, target: rate)],
            connections: 64, rate: rate, durationSeconds: Double(warmUp + seconds), warmUpSeconds: Double(warmUp),
            connectTimeoutSeconds: 5, requestTimeoutSeconds: 30, eventLoops: 2,
            requests: endpoints.map { .init(name: $0.name, method: $0.method, path: $0.path, weight: $0.weight) },
            thresholds: scopes)
        var notes = ["The target closed 3 keep-alive connections; they were reopened."]
        if hostile { notes.append("<img src=x onerror=alert('note')>") }
        return LoadResult(
            tool: "tuner \(TunerVersion.current)", startedAt: start, finishedAt: start.addingTimeInterval(Double(warmUp + seconds)),
            configuration: configuration, overall: all, requests: requests, series: series,
            schedule: ScheduleStats(planned: planned, sent: totalCount, late: shop == .before ? planned / 14 : 12, dropped: 0,
                                    targetRate: rate, achievedRate: all.rps),
            generator: GeneratorStats(cpuPercentMean: 23, cpuPercentMax: 41, cores: 2, maxResidentBytes: 48_000_000,
                                      wasBottleneck: false),
            thresholds: outcomes, notes: notes,
            database: withDatabase ? database(shop, requests: requests, seconds: warmUp + seconds, random: &random, hostile: hostile) : nil,
            findings: withDatabase ? findings(shop, requests: requests) : [])
    }
}
