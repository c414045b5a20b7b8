import DemoShopData
import EmbeddedPostgres
import Foundation
import Synchronization
import TunerCore
import TunerLoad
import TunerOrchestration
import TunerPostgres
import TunerReport

/// `tuner demo`: the tuning guides' loop carried out on a throwaway cluster and the demo shop —
/// baseline, diagnose, then one change at a time (indexes; pool size and settings; the shop's tuned
/// code), each re-tested and logged with its measured impact.
public struct DemoWorkflow: Sendable {
    public struct Options: Sendable {
        public var scale: SeedScale
        /// Measured length of each step's run at the fixed rate (the `load` profile: ramp, hold, ramp down).
        public var stepDuration: Duration
        /// Warm-up before each step's measured run.
        public var warmUp: Duration
        /// Peak arrival rate of each step's run (requests/s). The default is one the naive shop can nearly
        /// hold at the demo scale on two cores, so that its "before" is slow rather than only timeouts and
        /// every step's effect shows in the latencies.
        public var rate: Double
        /// Each step's capacity search (the maximum sustainable rate at the scenario's thresholds); nil skips it.
        public var capacity: CapacitySearch.Options?
        /// Measure the pool size by a sweep of the shop's pool, and the audit buffer's flush interval.
        public var sweeps: Bool
        /// Leave the cluster and the shop running at the end.
        public var keep: Bool

        public static let defaultRate = 5.0

        /// Short steps, so that five searches fit in a few minutes: 3 s windows after 1 s of warm-up, a
        /// 4 s confirmation, doubling until a step fails, 10% precision.
        public static var defaultCapacity: CapacitySearch.Options {
            var options = CapacitySearch.Options()
            options.stepDuration = .seconds(3)
            options.stepWarmUp = .seconds(1)
            options.confirmDuration = .seconds(4)
            options.probeDuration = .seconds(3)
            options.precision = 0.10
            options.growth = 2
            return options
        }

        public init(scale: SeedScale = .demo, stepDuration: Duration = .seconds(20), warmUp: Duration = .seconds(5),
                    rate: Double = Self.defaultRate, capacity: CapacitySearch.Options? = Self.defaultCapacity,
                    sweeps: Bool = true, keep: Bool = false) {
            self.scale = scale
            self.stepDuration = stepDuration
            self.warmUp = warmUp
            self.rate = rate
            self.capacity = capacity
            self.sweeps = sweeps
            self.keep = keep
        }
    }

    /// What the demo did: the measured steps (the first is the baseline) and, with `keep`, where things run.
    public struct Outcome: Sendable {
        public var steps: [OptimizationStep]
        /// Findings of the baseline, as diagnosed.
        public var diagnosis: [Finding]
        public var databaseURL: String?
        public var shopURL: String?
        public var notes: [String]
        /// The sweeps of the shop's settings: its pool size, then its audit flush interval.
        public var sweeps: [SweepResult]
        /// The tuned shop's cold start with and without its pool pre-warmed.
        public var coldStart: ColdStartResult?
        /// Batch INSERT speed into the audit log by batch size (the shop's buffered writes).
        public var batch: BatchResult?
    }

    public var options: Options
    /// Lines for the terminal: what the demo is doing.
    public var say: @Sendable (String) -> Void = { _ in }
    /// The engine's once-a-second progress during each run.
    public var progress: @Sendable (LoadProgress) -> Void = { _ in }
    /// Called after each measured step, so that a caller can write what was measured so far.
    public var stepFinished: @Sendable ([OptimizationStep]) -> Void = { _ in }

    public init(options: Options) {
        self.options = options
    }

    public func run() async throws -> Outcome {
        let shopExecutable = try ShopProcess.locateExecutable()
        say("starting a throwaway PostgreSQL cluster")
        let cluster = try await EmbeddedCluster.start(.init(database: "shop", outlivesProcess: options.keep))
        say("  ready in \(cluster.startupDuration.shortDescription) at \(cluster.url) (data in \(cluster.baseDirectory))")
        var shop: ShopProcess?
        do {
            let outcome = try await run(cluster: cluster, shopExecutable: shopExecutable, shop: &shop)
            if !options.keep {
                await shop?.stop()
                try await cluster.stop()
            }
            return outcome
        } catch {
            await shop?.stop()
            try? await cluster.stop()
            throw error
        }
    }

    private func run(cluster: EmbeddedCluster, shopExecutable: String, shop: inout ShopProcess?) async throws -> Outcome {
        let url = cluster.url
        let database = try ConnectionSettings(url: url)
        say("loading the demo shop's data (\(options.scale))")
        let seedStart = ContinuousClock.now
        let say = self.say
        // One line per phase, and per table once it is loaded (the seeder reports every few thousand rows).
        let shown = Mutex(Set<String>())
        try await ShopSeeder.seed(url: url, scale: options.scale) { p in
            let finished = p.phase != .loading || p.rowsWritten >= p.rowsExpected
            let key = p.phase == .loading ? (p.table ?? "") : p.phase.rawValue
            guard finished, shown.withLock({ $0.insert(key).inserted }) else { return }
            say("  seed: \(p.description)")
        }
        say("  loaded in \((ContinuousClock.now - seedStart).shortDescription)")

        var steps: [OptimizationStep] = []
        var notes: [String] = []
        var sweeps: [SweepResult] = []
        var environment = ["SHOP_MODE": ShopMode.naive.rawValue]
        let sweeper = DemoSweeps(shopExecutable: shopExecutable, databaseURL: url, database: database,
                                 scale: options.scale, say: say)

        // 0. Baseline: the naive shop.
        shop = try await startShop(shopExecutable, url: url, environment: environment)
        var baseline = try await measure("baseline: naive shop, no changes", shop: shop!, database: database, showsEachCheck: true)
        baseline.capacity = await capacity(of: shop!, startingAt: nil)
        steps.append(OptimizationStep(label: "baseline (naive shop)", result: baseline))
        stepFinished(steps)
        let diagnosis = baseline.findings

        // 1. The indexes the findings ask for, created by Tuner.
        let indexes = DemoIndexes.chosen(from: baseline)
        say("step 1: creating \(indexes.count) recommended index\(indexes.count == 1 ? "" : "es")")
        let created = try await DemoIndexes.create(indexes, database: database, say: say)
        try await DemoShopControl.waitUntilIdle(shop!, say: say)
        var afterIndexes = try await measure("step 1: after the indexes", shop: shop!, database: database)
        afterIndexes.capacity = await capacity(of: shop!, startingAt: steps.last?.capacityRate)
        steps.append(OptimizationStep(label: "recommended indexes", change: created.joined(separator: "\n"),
                                      result: afterIndexes, topic: .indexes))
        stepFinished(steps)

        // 2. The pool size: the knee of a sweep of the shop's pool, beside the wiki formula's value.
        let major = try await DatabaseSession.withSession(database) { session in try await session.serverMajorVersion() }
        let tuning = try DemoTuning.recommendation(serverMajorVersion: major)
        let formula = tuning.pool.connectionsPerInstance
        await shop?.stop()
        shop = nil
        var poolSize = formula
        var poolEvidence = "the wiki formula, cores × 2 + spindles"
        if options.sweeps, var search = options.capacity {
            let sizes = DemoSweeps.poolSizes(formula: formula)
            say("step 2: sweeping the shop's pool size (\(sizes.map(String.init).joined(separator: ", ")); "
                + "the wiki formula gives \(formula))")
            search.start = steps.last?.capacityRate
            let sweep = try await sweeper.pool(sizes: sizes, mode: .naive, options: search)
            sweeps.append(sweep)
            if let knee = sweep.knee?["SHOP_POOL_SIZE"].flatMap(Int.init) {
                poolSize = knee
                poolEvidence = "the sweep's knee: \(sweep.recommendation ?? ""); the wiki formula gives \(formula)"
            } else {
                notes.append("the pool sweep found no knee; the demo keeps the wiki formula's \(formula)")
            }
        }
        say("step 2: pool of \(poolSize) pre-warmed connections (\(poolEvidence))")
        environment["SHOP_PREWARMED_POOL"] = "on"
        environment["SHOP_POOL_SIZE"] = String(poolSize)
        shop = try await startShop(shopExecutable, url: url, environment: environment)
        var afterPool = try await measure("step 2: after the pool size", shop: shop!, database: database)
        afterPool.capacity = await capacity(of: shop!, startingAt: steps.last?.capacityRate)
        steps.append(OptimizationStep(
            label: "pool size",
            change: "demo-shop pool: 2 connections opened on demand → \(poolSize) pre-warmed (\(poolEvidence))",
            result: afterPool, topic: .connectionPool))
        stepFinished(steps)

        // 3. pgtune's settings for this machine, applied and restarted.
        say("step 3: \(tuning.configuration.settings.count) pgtune settings for this machine")
        await shop?.stop()
        shop = nil
        let settingsChange = try await DemoTuning.apply(tuning, cluster: cluster, database: database, say: say, notes: &notes)
        shop = try await startShop(shopExecutable, url: url, environment: environment)
        var afterSettings = try await measure("step 3: after the settings", shop: shop!, database: database)
        afterSettings.capacity = await capacity(of: shop!, startingAt: steps.last?.capacityRate)
        steps.append(OptimizationStep(label: "postgresql settings", change: settingsChange, result: afterSettings,
                                      topic: .postgresSettings))
        stepFinished(steps)

        // 4. The code-level advice: the shop's tuned mode (N+1 fixed, cache, keyset pagination, batching).
        say("step 4: the shop's tuned mode (N+1 fixed, cache, keyset pagination, buffered audit, gzip)")
        await shop?.stop()
        shop = nil
        environment["SHOP_MODE"] = ShopMode.tuned.rawValue
        shop = try await startShop(shopExecutable, url: url, environment: environment)
        var afterCode = try await measure("step 4: tuned shop", shop: shop!, database: database)
        afterCode.capacity = await capacity(of: shop!, startingAt: steps.last?.capacityRate)
        steps.append(OptimizationStep(
            label: "tuned shop code",
            change: "SHOP_MODE=tuned: order lines in one query (no N+1), in-process cache for product reads and the "
                + "report, keyset pagination, buffered audit writes, gzip",
            result: afterCode, topic: .code))
        stepFinished(steps)

        // 5. The audit buffer's flush interval on the write path (seed 002's trade-off table).
        if options.sweeps {
            await shop?.stop()
            shop = nil
            sweeps.append(try await flushSweep(sweeper))
        }

        // 6. Cold start with and without the pool pre-warmed, and the batch size of the audit log's writes.
        await shop?.stop()
        shop = nil
        say("cold start: the tuned shop with its pool of \(poolSize) pre-warmed and not, 5 starts each")
        let coldStart = try await sweeper.coldStart(pool: poolSize, mode: .tuned)
        if let comparison = coldStart.comparison { say("  " + comparison) }
        say("batch writes: INSERT into a rolled-back copy of audit_log by batch size")
        let batch = try await DatabaseSession.withSession(database, options: .init(allowsWrites: true)) { [say] session in
            var benchmark = BatchBenchmark(table: "audit_log")
            benchmark.progress = { say("  \($0)") }
            return try await benchmark.run(session)
        }
        if options.keep { shop = try await startShop(shopExecutable, url: url, environment: environment) }

        return Outcome(steps: steps, diagnosis: diagnosis, databaseURL: options.keep ? url : nil,
                       shopURL: options.keep ? shop?.baseURL : nil, notes: notes, sweeps: sweeps,
                       coldStart: coldStart, batch: batch)
    }

    /// The audit buffer's flush interval on the write path (seed 002's trade-off table).
    private func flushSweep(_ sweeper: DemoSweeps) async throws -> SweepResult {
        let window = min(options.stepDuration, .seconds(6))
        let rate = Self.flushSweepRate
        say("flush interval: the tuned shop's write path at \(CapacityText.rate(rate)) orders/s for "
            + "\(window.shortDescription) per interval (\(DemoSweeps.flushIntervals.joined(separator: ", ")))")
        return try await sweeper.flushInterval(rate: rate, duration: window, warmUp: min(options.warmUp, .seconds(2)))
    }

    /// Orders per second of the flush-interval sweep: a steady write load the tuned shop holds easily.
    static let flushSweepRate = 20.0

    /// The step's capacity search against the running shop, at `ShopScenario.capacitySLO`; nil when the demo
    /// skips it.
    private func capacity(of shop: ShopProcess, startingAt start: Double?) async -> CapacityResult? {
        guard var search = options.capacity else { return nil }
        if search.start == nil { search.start = start }
        let scenario: Scenario
        do {
            scenario = try ShopScenario.withoutFlows(scale: options.scale, baseURL: shop.baseURL)
        } catch {
            say("  capacity: \(error)")
            return nil
        }
        say("  capacity of the shoppers' mix at \(ShopScenario.capacitySLO.map(\.expression).joined(separator: ", ")) over all "
            + "requests, arriving at random (the buyers' flow is left out of the short steps)")
        var capacitySearch = CapacitySearch(options: search, slo: ShopScenario.capacitySLO, scenario: scenario)
        capacitySearch.stepFinished = { [say] step in say("    " + CapacityText.stepLine(step)) }
        let outcome = await capacitySearch.run()
        if let error = outcome.error { say("  capacity search stopped: \(error)") }
        say("  maximum sustainable rate: " + (outcome.capacity.maxSustainableRate.map { CapacityText.rate($0) + " req/s" } ?? "none"))
        return outcome.capacity
    }

    private func startShop(_ executable: String, url: String, environment: [String: String]) async throws -> ShopProcess {
        let shop = try await ShopProcess.start(executable: executable, databaseURL: url, environment: environment)
        say("  demo shop (\(environment["SHOP_MODE"] ?? "naive")) listening on \(shop.baseURL) (pid \(shop.pid))")
        return shop
    }

    /// One observed run of the shipped scenario against the shop.
    /// `showsEachCheck`: the database checks' own progress lines (for the baseline; the later runs would
    /// repeat the same six).
    private func measure(_ title: String, shop: ShopProcess, database: ConnectionSettings, showsEachCheck: Bool = false)
        async throws -> LoadResult
    {
        say(title)
        var overrides = ScenarioOverrides()
        overrides.profile = .load
        overrides.rate = options.rate
        overrides.duration = options.stepDuration
        overrides.warmUp = options.warmUp
        let scenario = try Scenario(yaml: ShopScenario.text(scale: options.scale, baseURL: shop.baseURL),
                                    fileName: "shop.yaml")
        var workflow = RunWorkflow(plan: try LoadPlan(overrides.apply(to: scenario, reshape: true)), database: database,
                                   metricsURL: URL(string: shop.baseURL + "/metrics"))
        workflow.service = .pid(shop.pid)
        workflow.say = { [say] in say("  \($0)") }
        workflow.showsEachCheck = showsEachCheck
        workflow.progress = progress
        return try await workflow.run()
    }
}
