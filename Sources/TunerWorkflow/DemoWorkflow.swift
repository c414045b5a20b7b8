import DemoShop
import EmbeddedPostgres
import Foundation
import Synchronization
import TunerCore
import TunerLoad
import TunerPostgres
import TunerReport

/// `tuner demo`: the tuning guides' loop carried out on a throwaway cluster and the demo shop —
/// baseline, diagnose, then one change at a time (indexes; pool size and settings; the shop's tuned
/// code), each re-tested and logged with its measured impact.
public struct DemoWorkflow: Sendable {
    public struct Options: Sendable {
        public var scale: SeedScale
        /// Measured length of each step's run (the `load` profile: ramp, hold, ramp down).
        public var stepDuration: Duration
        /// Warm-up before each step's measured run.
        public var warmUp: Duration
        /// Peak arrival rate of each step's run (requests/s). The default is one the naive shop can nearly
        /// hold at the demo scale on two cores, so that its "before" is slow rather than only timeouts and
        /// every step's effect shows in the latencies.
        public var rate: Double
        /// Leave the cluster and the shop running at the end.
        public var keep: Bool

        public static let defaultRate = 5.0

        public init(scale: SeedScale = .demo, stepDuration: Duration = .seconds(60), warmUp: Duration = .seconds(5),
                    rate: Double = Self.defaultRate, keep: Bool = false) {
            self.scale = scale
            self.stepDuration = stepDuration
            self.warmUp = warmUp
            self.rate = rate
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
        var environment = ["SHOP_MODE": ShopMode.naive.rawValue]

        // 0. Baseline: the naive shop.
        shop = try await startShop(shopExecutable, url: url, environment: environment)
        let baseline = try await measure("baseline: naive shop, no changes", shop: shop!, database: database, showsEachCheck: true)
        steps.append(OptimizationStep(label: "baseline (naive shop)", result: baseline))
        stepFinished(steps)
        let diagnosis = baseline.findings

        // 1. The indexes the findings ask for, created by Tuner.
        let indexes = DemoIndexes.chosen(from: baseline)
        say("step 1: creating \(indexes.count) recommended index\(indexes.count == 1 ? "" : "es")")
        let created = try await DemoIndexes.create(indexes, database: database, say: say)
        try await DemoShopControl.waitUntilIdle(shop!, say: say)
        let afterIndexes = try await measure("step 1: after the indexes", shop: shop!, database: database)
        steps.append(OptimizationStep(label: "recommended indexes", change: created.joined(separator: "\n"),
                                      result: afterIndexes))
        stepFinished(steps)

        // 2. Pool size (the wiki formula) and settings (pgtune for this machine), applied and restarted.
        let major = try await DatabaseSession.withSession(database) { session in try await session.serverMajorVersion() }
        let tuning = try DemoTuning.recommendation(serverMajorVersion: major)
        say("step 2: pool of \(tuning.pool.connectionsPerInstance) connections and \(tuning.configuration.settings.count) pgtune settings")
        await shop?.stop()
        shop = nil
        let settingsChange = try await DemoTuning.apply(tuning, cluster: cluster, database: database, say: say, notes: &notes)
        environment["SHOP_PREWARMED_POOL"] = "on"
        environment["SHOP_POOL_SIZE"] = String(tuning.pool.connectionsPerInstance)
        shop = try await startShop(shopExecutable, url: url, environment: environment)
        let afterTuning = try await measure("step 2: after pool size and settings", shop: shop!, database: database)
        steps.append(OptimizationStep(
            label: "pool size and settings",
            change: "demo-shop pool: 2 connections opened on demand → \(tuning.pool.connectionsPerInstance) pre-warmed "
                + "(cores × 2 + spindles)\n" + settingsChange,
            result: afterTuning))
        stepFinished(steps)

        // 3. The code-level advice: the shop's tuned mode (N+1 fixed, cache, keyset pagination, batching).
        say("step 3: the shop's tuned mode (N+1 fixed, cache, keyset pagination, buffered audit, gzip)")
        await shop?.stop()
        shop = nil
        environment["SHOP_MODE"] = ShopMode.tuned.rawValue
        shop = try await startShop(shopExecutable, url: url, environment: environment)
        let afterCode = try await measure("step 3: tuned shop", shop: shop!, database: database)
        steps.append(OptimizationStep(
            label: "tuned shop code",
            change: "SHOP_MODE=tuned: order lines in one query (no N+1), in-process cache for product reads and the "
                + "report, keyset pagination, buffered audit writes, gzip",
            result: afterCode))
        stepFinished(steps)

        return Outcome(steps: steps, diagnosis: diagnosis, databaseURL: options.keep ? url : nil,
                       shopURL: options.keep ? shop?.baseURL : nil, notes: notes)
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
        workflow.status = { [say] in say("  \($0)") }
        workflow.showsEachCheck = showsEachCheck
        workflow.progress = progress
        return try await workflow.run()
    }
}
