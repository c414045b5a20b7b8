import Foundation
import TunerCore
import Synchronization
import TunerLoad
import TunerPostgres
import TunerReport

/// `tuner sweep`: a setting of the service measured value by value. For each value (each combination when
/// several settings are swept) the service starts with `NAME=value` in its environment and `{NAME}` replaced
/// in its command, Tuner waits until it answers, measures (its capacity at the SLO, or its latency at a fixed
/// rate), and stops it; a point whose service fails is recorded with why, and the sweep goes on.
public struct SweepWorkflow: Sendable {
    /// One swept setting: `NAME=v1,v2,…`.
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var values: [String]

        public init(name: String, values: [String]) {
            self.name = name
            self.values = values
        }

        /// Parses `NAME=v1,v2,…`.
        public init(parsing text: String) throws(ParseError) {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw ParseError("--param '\(text)' is not NAME=v1,v2,… (e.g. POOL_SIZE=2,4,8,16)")
            }
            name = String(text[..<equals])
            guard name.allSatisfy({ $0 == "_" || $0.isLetter || $0.isNumber }), !(name.first?.isNumber ?? true) else {
                throw ParseError("--param '\(name)' is not an environment variable name")
            }
            values = text[text.index(after: equals)...].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
            guard !values.isEmpty else { throw ParseError("--param \(name) has no values (e.g. \(name)=2,4,8)") }
        }
    }

    public enum Measure: Sendable {
        case capacity(CapacitySearch.Options)
        case rate(Double, duration: Duration, warmUp: Duration)

        var label: String {
            switch self {
            case .capacity: "capacity"
            case .rate(let rate, _, _): "rate=\(CapacityText.rate(rate))"
            }
        }
    }

    public var scenario: Scenario
    public var slo: [Threshold]
    /// The shell command that starts the service; `{NAME}` is replaced by the point's value.
    public var command: String
    /// Answers (below HTTP 500) once the service is ready.
    public var readyURL: URL
    public var readyTimeout: Duration = .seconds(60)
    public var parameters: [Parameter]
    public var measure: Measure
    public var logDirectory = NSTemporaryDirectory()
    /// Capacity mode: the rate every point is also measured at after its search; nil: half the first capacity.
    public var commonRate: Double?
    /// What the knee is the best of; default: capacity, or p95 at a fixed rate.
    public var kneeCriterion: SweepKnee.Criterion?
    /// With a database: what it did during each point's load (`SweepPoint.database`).
    public var database: ConnectionSettings?
    /// Reads figures of the service around each point's load: called before the load; the closure it returns
    /// is called after it, while the service still runs, and gives the point's `service` figures.
    public var observeService: (@Sendable () async -> @Sendable () async -> [String: Double])?
    /// Status lines for stderr.
    public var say: @Sendable (String) -> Void = { _ in }

    public init(scenario: Scenario, slo: [Threshold], command: String, readyURL: URL, parameters: [Parameter],
                measure: Measure) {
        self.scenario = scenario
        self.slo = slo
        self.command = command
        self.readyURL = readyURL
        self.parameters = parameters
        self.measure = measure
    }

    /// Every combination of the parameters' values, the first parameter varying slowest.
    public var points: [[String: String]] { Self.combinations(of: parameters) }

    /// Every combination of `parameters`' values, the first parameter varying slowest (one empty one for none).
    public static func combinations(of parameters: [Parameter]) -> [[String: String]] {
        parameters.reduce([[:]]) { combinations, parameter in
            combinations.flatMap { combination in
                parameter.values.map { value in combination.merging([parameter.name: value]) { $1 } }
            }
        }
    }

    /// Measures every point. Cancellation stops the service under way and ends with the points measured.
    public func run() async -> SweepResult {
        var measured: [SweepPoint] = []
        var common = commonRate
        for values in points {
            if Task.isCancelled { break }
            let label = parameters.map { "\($0.name)=\(values[$0.name] ?? "")" }.joined(separator: " ")
            say("point \(label)")
            let point = await measurePoint(values, commonRate: &common)
            measured.append(point)
            if let failure = measured.last?.failure { say("  failed: \(failure)") }
        }
        var precision = 0.0
        if case .capacity(let options) = measure { precision = options.precision }
        let knee = SweepKnee.choose(measured, parameters: parameters.map(\.name), by: kneeCriterion ?? (isCapacity ? .capacity : .p95),
                                    capacityPrecision: precision)
        return SweepResult(
            parameters: parameters.map(\.name), measure: measure.label,
            slo: slo.map(\.description), points: measured,
            knee: knee?.values, recommendation: knee?.sentence, commonRate: isCapacity ? common : nil)
    }

    private var isCapacity: Bool {
        if case .capacity = measure { return true }
        return false
    }

    private func measurePoint(_ values: [String: String], commonRate: inout Double?) async -> SweepPoint {
        var command = self.command
        for (name, value) in values { command = command.replacingOccurrences(of: "{\(name)}", with: value) }
        let started = ContinuousClock.now
        let service: ServiceProcess
        do {
            try await ServiceProcess.refuseIfAnswering(readyURL)
            service = try ServiceProcess.start(command: command, environment: values, logDirectory: logDirectory)
        } catch {
            return SweepPoint(values: values, failure: error.description)
        }
        do {
            try await service.waitUntilReady(readyURL, timeout: readyTimeout)
        } catch {
            await service.stop(grace: .seconds(2))
            return SweepPoint(values: values, failure: error.description)
        }
        let ready = (ContinuousClock.now - started).seconds
        defer { try? FileManager.default.removeItem(atPath: service.logPath) }
        let workBefore = await readWork()
        let serviceFigures = await observeService?()
        // The service's own CPU and memory, from the process tree the sweep started (nil where /proc cannot tell).
        let usageMeter = try? await ServiceUsageMeter(source: .pid(service.pid)).begin()
        let loadStarted = ContinuousClock.now
        let sent = Atomic<UInt64>(0)
        var point: SweepPoint
        do {
            let count: @Sendable (LoadResult) -> Void = { result in
                sent.add(result.series.reduce(0) { $0 + $1.requests }, ordering: .relaxed)
            }
            point = try await measure(values, measured: count)
            if case .capacity(let options) = measure, let rate = commonRate ?? point.capacity.map({ $0 / 2 }) {
                commonRate = rate
                point.atCommonRate = try await latency(at: rate, duration: options.stepDuration,
                                                       warmUp: options.stepWarmUp, measured: count)
            }
        } catch {
            point = SweepPoint(values: values, failure: "\(error)")
        }
        let loadSeconds = (ContinuousClock.now - loadStarted).seconds
        point.readySeconds = ready
        if let serviceFigures { point.service = await serviceFigures() }
        if let usageMeter, point.failure == nil, let usage = await usageMeter.end(requests: sent.load(ordering: .relaxed)).usage {
            var figures = point.service ?? [:]
            figures[Self.cpuPerRequest] = usage.cpuMillisecondsPerRequest
            figures[Self.memoryPeak] = usage.residentBytesPeak.map { Double($0) / 1_000_000 }
            point.service = figures
        } else {
            usageMeter?.cancel()
        }
        let workAtEnd = database == nil ? nil : await readWork()
        await service.stop()
        // After the service's connections closed: their backends have published every count.
        if let workBefore, let workAfter = await readWork(), point.failure == nil, loadSeconds > 0 {
            let rate = { (delta: Int64) in Double(max(0, delta)) / loadSeconds }
            point.database = SweepDatabaseFigures(
                seconds: loadSeconds, requests: sent.load(ordering: .relaxed),
                transactionsPerSecond: rate(workAfter.transactions - workBefore.transactions),
                rowsWrittenPerSecond: rate(workAfter.rowsWritten - workBefore.rowsWritten),
                walBytesPerSecond: rate(workAfter.walBytes - workBefore.walBytes),
                statementsPerSecond: workBefore.statements.flatMap { b in workAfter.statements.map { rate($0 - b) } },
                connections: workAtEnd?.clientConnections ?? 0)
        }
        return point
    }

    /// The service's CPU milliseconds per request over the point's whole load (every request it sent, the search's
    /// steps and the common rate's run included), and its resident memory's peak in MB.
    public static let cpuPerRequest = "service CPU ms/req"
    public static let memoryPeak = "service memory MB"

    /// The latencies at `rate`, the sweep's common load.
    private func latency(at rate: Double, duration: Duration, warmUp: Duration,
                         measured: @Sendable (LoadResult) -> Void) async throws -> RateLatency {
        let result = try await LoadEngine.run(try LoadPlan(scenario.atRate(rate, duration: duration, warmUp: warmUp, slo: slo, arrivals: .uniform)))
        measured(result)
        let latency = result.overall.latency
        say("  at the common rate \(CapacityText.rate(rate)) req/s → p50 \(NumberFormat.millis(latency.p50)) "
            + "p95 \(NumberFormat.millis(latency.p95)) p99 \(NumberFormat.millis(latency.p99)) · \(result.overall.errorCount) errors")
        return RateLatency(rate: rate, p50: latency.p50, p95: latency.p95, p99: latency.p99,
                           achievedRate: result.schedule?.achievedRate, errors: result.overall.errorCount)
    }

    /// The database's counters now; nil without a database or when it cannot be read (the point keeps
    /// its HTTP figures).
    private func readWork() async -> DatabaseWork? {
        guard let database else { return nil }
        return try? await DatabaseSession.withSession(database) { session in try await DatabaseWork.take(session) }
    }

    private func measure(_ values: [String: String], measured: @escaping @Sendable (LoadResult) -> Void) async throws
        -> SweepPoint
    {
        let scenario = self.scenario
        let slo = self.slo
        switch measure {
        case .capacity(let options):
            var search = CapacitySearch(options: options, slo: slo, scenario: scenario, measured: measured)
            let say = self.say
            search.stepFinished = { step in say(CapacityText.stepLine(step)) }
            let outcome = await search.run()
            if let error = outcome.error { throw error }
            let latency = outcome.result?.overall.latency
            var point = SweepPoint(
                values: values, capacity: outcome.capacity.maxSustainableRate, isLowerBound: outcome.capacity.isLowerBound,
                p50: latency?.p50, p95: latency?.p95, p99: latency?.p99, achievedRate: outcome.result?.schedule?.achievedRate,
                errors: outcome.result?.overall.errorCount)
            point.capacityInterval = outcome.capacity.interval
            return point
        case .rate(let rate, let duration, let warmUp):
            let result = try await LoadEngine.run(try LoadPlan(scenario.atRate(rate, duration: duration, warmUp: warmUp, slo: slo, arrivals: .uniform)))
            measured(result)
            let latency = result.overall.latency
            say("  \(CapacityText.rate(rate)) req/s → p50 \(NumberFormat.millis(latency.p50)) p95 \(NumberFormat.millis(latency.p95))"
                + " p99 \(NumberFormat.millis(latency.p99)) · \(result.overall.errorCount) errors")
            return SweepPoint(
                values: values, p50: result.overall.latency.p50, p95: result.overall.latency.p95,
                p99: result.overall.latency.p99, achievedRate: result.schedule?.achievedRate, errors: result.overall.errorCount)
        }
    }
}
