import Foundation
import Synchronization
import TunerCore
import TunerLoad
import TunerPostgres

/// `tuner run`'s work: the load while the database (and, optionally, the service's metrics) is watched,
/// then the run's findings, the doctor's, and the indexes the run's queries want, all in one result.
///
/// The database session is read-only throughout; nothing in the database changes.
public struct RunWorkflow: Sendable {
    public var plan: LoadPlan
    public var database: ConnectionSettings
    /// The service's Prometheus endpoint, for its pool figures.
    public var metricsURL: URL?
    /// Also run `tuner db check`'s checks after the load.
    public var checksDatabase = true
    /// Also ask the index advisor about the statements the load caused.
    public var advisesIndexes = true
    public var analysisThresholds = RunAnalysis.Thresholds()
    /// Status lines (connecting, checking, advising) for stderr.
    public var say: @Sendable (String) -> Void = { _ in }
    /// Also a status line per family of database checks as it starts (the demo, which runs four times,
    /// turns them off after its first run).
    public var showsEachCheck = true
    /// The engine's once-a-second progress.
    public var progress: @Sendable (LoadProgress) -> Void = { _ in }
    /// The result so far, once a second (`--metrics-listen`); `nil`: the engine builds no snapshot.
    public var checkpoint: (@Sendable (LoadResult) -> Void)?
    /// Where the service's own CPU and memory are read (`--service-pid`, `--service-cgroup`); without one, the
    /// `--metrics` endpoint's standard process figures when it has them.
    public var service: ServiceSource?
    /// The service's profiler (`--pprof`, `--profiler perf`): a profile is taken during the steady part of the load.
    public var profile: (any ServiceProfiler)?
    /// The energy estimate's assumptions (`--watts-per-core`, `--grid-intensity`).
    public var wattsPerBusyCore = ServiceUsage.EnergyEstimate.defaultWattsPerBusyCore
    public var gramsCO2PerKilowattHour = ServiceUsage.EnergyEstimate.defaultGramsCO2PerKilowattHour
    /// The load, when this process does not run it itself (a distributed run: the shards run it, this waits for them
    /// and merges); `nil`: the engine runs `plan` here.
    public var runLoad: (@Sendable () async throws -> LoadResult)?
    /// When the load starts, if later than now (a distributed run's common start): the observation begins then.
    public var startsAt: Date?
    /// Each second's database activity sample as it is taken (`--metrics-listen` serves it).
    public var databaseSample: (@Sendable (ActivitySample) -> Void)?

    public init(plan: LoadPlan, database: ConnectionSettings, metricsURL: URL? = nil) {
        self.plan = plan
        self.database = database
        self.metricsURL = metricsURL
    }

    /// Runs the load under observation and returns the result with its `database` section and findings.
    ///
    /// - Throws: `WorkflowError` when the database or the metrics endpoint cannot be reached before the
    ///   load starts; `LoadError` (with its partial result) when the target cannot be reached.
    public func run() async throws -> LoadResult {
        let session = try await connect()
        do {
            let result = try await run(session)
            await session.close()
            return result
        } catch {
            await session.close()
            throw error
        }
    }

    /// The read-only session that observes the database, or a one-line error.
    func connect() async throws(WorkflowError) -> DatabaseSession {
        say("connecting to \(database.redactedURL)")
        do {
            return try await DatabaseSession.connect(database, options: .readOnly)
        } catch {
            throw WorkflowError("cannot observe the database: \(error.description)")
        }
    }

    private func run(_ session: DatabaseSession) async throws -> LoadResult {
        let maxConnections = try? await session.scalar("SELECT current_setting('max_connections')::int8 AS n")?.int
        let sampler = try await metricsSampler()
        let plan = self.plan
        let progress = self.progress
        let meter = await serviceMeter(sampler: sampler)
        // The observation's clock is the load's: it begins (just before) the common start.
        if let wait = startsAt.map({ $0.timeIntervalSinceNow - 0.02 }), wait > 0 { try await Task.sleep(for: .seconds(wait)) }
        let window = ProfileCollector.window(for: plan)
        if let profile { say("a CPU profile of \(window.seconds)s from \(profile.label) at \(NumberFormat.seconds(window.start)) into the load") }
        // The profile's clock starts with the load itself (the observer's first snapshot comes before it).
        let profiling = Mutex<Task<Result<CPUProfile, WorkflowError>, Never>?>(nil)
        let profilingRuntime = Mutex<Task<RuntimeProfiles, Never>?>(nil)
        let (profile, runLoad, checkpoint) = (self.profile, self.runLoad, self.checkpoint)
        let load: @Sendable () async throws -> LoadResult = {
            if let profile {
                profiling.withLock { $0 = Task { await profile.collect(start: window.start, seconds: window.seconds, end: plan.totalDuration.seconds) } }
                profilingRuntime.withLock {
                    $0 = Task { await profile.collectRuntime(start: window.start, seconds: window.seconds, end: plan.totalDuration.seconds) }
                }
            }
            if let runLoad { return try await runLoad() }
            return try await LoadEngine.run(plan, progress: progress, checkpoint: checkpoint)
        }
        let observed: (LoadResult, RunObserver.Observation)
        do {
            observed = try await Self.observe(
                plan, warmUp: plan.scenario.warmUp, session: session, sampler: sampler,
                service: meter, maxConnections: maxConnections.map(Int.init), progress: progress,
                checkpoint: checkpoint, load: load, onSample: databaseSample)
        } catch {
            profiling.withLock { $0 }?.cancel()
            profilingRuntime.withLock { $0 }?.cancel()
            throw error
        }
        var (result, observation) = observed
        if let profileTask = profiling.withLock({ $0 }) {
            if Task.isCancelled { profileTask.cancel() }
            switch await profileTask.value {
            case .success(let profile):
                result.profile = profile
                if !profile.sampledEnough {
                    result.notes.append("the CPU profile sampled less than \(NumberFormat.significant(CPUProfile.fewestCPUSeconds)) s "
                        + "of CPU: too little to name a hot spot (the service was mostly idle); a higher rate or a longer run gives one")
                }
            case .failure(let error): result.notes.append(error.description)
            }
        }
        if let runtimeTask = profilingRuntime.withLock({ $0 }) {
            if Task.isCancelled { runtimeTask.cancel() }
            let runtime = await runtimeTask.value
            result.lockProfile = runtime.locks
            result.allocationProfile = runtime.allocations
            result.notes += runtime.notes
        }
        var findings = RunAnalysis.findings(result.database!, load: Self.load(of: result, observation: observation),
                                            thresholds: analysisThresholds)
        if Task.isCancelled {
            result.notes.append("interrupted: the database checks and the index advice were skipped")
        } else if observation.isDatabaseLost {
            result.notes.append("the database checks and the index advice were skipped: the database could not be reached after the load")
        } else {
            if advisesIndexes { findings += await adviceFindings(session, result: result, notes: &result.notes) }
            if checksDatabase { findings += await doctorFindings(session, notes: &result.notes) }
        }
        if !Task.isCancelled {
            // How the service answers (compression, caching, keep-alive), probed now that the load is over.
            let (practices, practiceNotes) = await ResponsePractices.findings(for: plan, result: result)
            findings += practices
            result.notes += practiceNotes
        }
        if let profile = result.profile { findings += ProfileCollector.findings(profile) }
        findings += ProfileFindings.findings(of: result)
        result.findings = Self.withoutRepeats(findings)
        return result
    }

    /// Runs `plan` while `session` (and `sampler`, the service's pool) watch it; the result carries the database
    /// section and the observation's notes. `tuner run` observes its one load this way, `--capacity` every step.
    static func observe(_ plan: LoadPlan, warmUp: Duration, session: DatabaseSession, sampler: MetricsSampler?,
                        service: ServiceUsageMeter? = nil, maxConnections: Int?,
                        progress: @escaping @Sendable (LoadProgress) -> Void = { _ in },
                        checkpoint: (@Sendable (LoadResult) -> Void)? = nil,
                        load: (@Sendable () async throws -> LoadResult)? = nil,
                        onSample: (@Sendable (ActivitySample) -> Void)? = nil)
        async throws -> (LoadResult, RunObserver.Observation)
    {
        // The service's meter reads once now: a wrong pid or cgroup fails before the load.
        let meter = try await service?.begin(scraper: sampler)
        let poolTask = sampler.map { sampler in Task { await sampler.samplePool() } }
        let observed: (LoadResult, RunObserver.Observation)
        do {
            observed = try await RunObserver.observe(session, warmUp: warmUp, onSample: onSample) {
                if let load { return try await load() }
                return try await LoadEngine.run(plan, progress: progress, checkpoint: checkpoint)
            }
        } catch {
            poolTask?.cancel()
            meter?.cancel()
            throw error
        }
        poolTask?.cancel()
        let pool = await poolTask?.value
        var (result, observation) = observed
        result.database = observation.databaseRun(maxConnections: maxConnections, pool: pool?.samples ?? [])
        result.notes += observation.notes + (pool?.notes ?? [])
        await meter?.finish(&result)
        return (result, observation)
    }

    /// The service's meter: the source the user named, or the metrics endpoint when it has process figures.
    func serviceMeter(sampler: MetricsSampler?) async -> ServiceUsageMeter? {
        var source = service
        if source == nil, let metricsURL, let sampler,
           let samples = try? await sampler.scrape(), samples.contains(where: { $0.name == "process_cpu_seconds_total" }) {
            source = .metrics(metricsURL)
        }
        guard let source else { return nil }
        var meter = ServiceUsageMeter(source: source)
        meter.wattsPerBusyCore = wattsPerBusyCore
        meter.gramsCO2PerKilowattHour = gramsCO2PerKilowattHour
        return meter
    }

    /// The metrics sampler, after one scrape that proves the endpoint answers (a typo fails before the load).
    func metricsSampler() async throws -> MetricsSampler? {
        guard let metricsURL else { return nil }
        let sampler = MetricsSampler(url: metricsURL)
        do {
            _ = try await sampler.scrape()
        } catch let error as WorkflowError {
            throw error
        } catch {
            throw WorkflowError("cannot read metrics at \(metricsURL.absoluteString): \(error.localizedDescription)")
        }
        return sampler
    }

    /// What the run analysis needs to know about the load.
    static func load(of result: LoadResult, observation: RunObserver.Observation) -> RunAnalysis.Load {
        var byName: [String: UInt64] = [:]
        for stats in result.requests { byName[stats.name, default: 0] += stats.count }
        let temp = observation.tempFiles
        var paths: [String: String] = [:]
        var flows: [String: String] = [:]
        for spec in result.configuration.requests {
            paths[spec.name] = spec.path
            flows[spec.name] = spec.flow
        }
        return RunAnalysis.Load(
            httpRequests: result.overall.count, requestsByName: byName, pathsByName: paths, flowsByName: flows,
            seconds: observation.seconds > 0 ? observation.seconds : result.configuration.durationSeconds,
            tempFiles: temp.files, tempBytes: temp.bytes)
    }

    func adviceFindings(_ session: DatabaseSession, result: LoadResult, notes: inout [String]) async -> [Finding] {
        let workload = AdvisorWorkload.result(result)
        guard !workload.queries.isEmpty else { return [] }
        say("asking the index advisor about \(workload.queries.count) statements the load caused")
        do {
            let report = try await IndexAdvisor.advise(session, workload: workload)
            // Indexes the workload never used are already the run's own finding (with run numbers).
            return report.findings.filter { $0.id == "missing-index" }
        } catch {
            notes.append("index advice failed: \(error.description)")
            return []
        }
    }

    func doctorFindings(_ session: DatabaseSession, notes: inout [String]) async -> [Finding] {
        say("running the database checks (tuner db check)")
        let tell = say
        let environment = DoctorEnvironment(
            isServerLocal: database.isLocal)
        var eachCheck: (@Sendable (String) -> Void)?
        if showsEachCheck { eachCheck = { tell("  \($0)") } }
        let report = await Doctor.run(session: session, environment: environment, progress: eachCheck)
        if report.checksRun.isEmpty, let first = report.skipped.first {
            notes.append("the database checks could not run: \(first.reason)")
        }
        return report.findings
    }

    /// Drops a finding that repeats an earlier one about the same missing index (the advisor's
    /// `missing-index` and the doctor's `missing-fk-index` often name the same columns, or the advisor's
    /// index starts with the foreign key's columns), and exact repeats.
    static func withoutRepeats(_ findings: [Finding]) -> [Finding] {
        let indexIDs: Set<String> = ["missing-index", "missing-fk-index"]
        var seenIndexes: [IndexedColumns] = []
        var seen = Set<Finding>()
        var kept: [Finding] = []
        // The advisor's finding carries the planner's numbers, so it wins over the doctor's.
        let ordered = findings.filter { $0.id == "missing-index" } + findings.filter { $0.id != "missing-index" }
        for finding in ordered where seen.insert(finding).inserted {
            if indexIDs.contains(finding.id) {
                if let index = IndexedColumns(finding.object) {
                    // An index on (a, b) serves what one on (a) would: the shorter one is a repeat.
                    guard !seenIndexes.contains(where: { $0.covers(index) }) else { continue }
                    seenIndexes.append(index)
                }
            }
            kept.append(finding)
        }
        return kept.sorted { $0.severity > $1.severity }
    }
}
