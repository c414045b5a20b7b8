import TunerCore

/// What limited the service at a capacity search's breaking point, judged once from every source the run has, in order
/// of evidence: the service's pool (its metrics, else its database sessions), the service's CPU (when metered), lock
/// waits, max_connections, temp files. The last passing step is set against the first failing one, figure by figure;
/// the capacity section, the findings and the tuning guide all render this one judgement.
public enum SaturationAnalysis {
    /// One observed step of the search.
    public struct Step: Sendable {
        public var offeredRate: Double
        public var run: DatabaseRun
        /// Seconds the observation covered.
        public var seconds: Double
        public var tempFiles: Int64
        /// The service's CPU during the step (`--service-pid`, `--service-cgroup`), when metered.
        public var service: ServiceUsage?

        public init(offeredRate: Double, run: DatabaseRun, seconds: Double, tempFiles: Int64, service: ServiceUsage? = nil) {
            self.offeredRate = offeredRate
            self.run = run
            self.seconds = seconds
            self.tempFiles = tempFiles
            self.service = service
        }
    }

    /// What limited the service.
    public enum Limit: String, Codable, Sendable {
        case servicePool = "service-pool"
        case serviceCPU = "service-cpu"
        case lockWaits = "lock-waits"
        case maxConnections = "max-connections"
        case tempFiles = "temp-files"
    }

    /// The judgement: the limit the evidence names first, the lines that say it (the sentence, then each figure passing
    /// → failing), and the findings that say the same (with the ids of the run's own, so that a run that found one
    /// already keeps its own).
    public struct Judgement: Sendable {
        public var limit: Limit?
        public var lines: [String]
        public var findings: [Finding]
    }

    /// Lines for the capacity section: the limit that showed first (a sentence), then each figure passing → failing
    /// (`failing` may carry the samples of every failing step: the maxima are theirs).
    public static func lines(passing: Step, failing: Step) -> [String] {
        judge(passing: passing, failing: failing).lines
    }

    public static func judge(passing: Step, failing: Step) -> Judgement {
        var lines: [String] = []
        var limits: [(limit: Limit, text: String)] = []
        var findings: [Finding] = []
        let rates = "\(NumberFormat.number(passing.offeredRate)) → \(NumberFormat.number(failing.offeredRate)) req/s"
        let place = "at the breaking point (\(rates))"
        let pass = ActivityFigures(passing.run.connections)
        let fail = ActivityFigures(failing.run.connections)
        // Sessions piled up behind a lock fill any pool: then the lock is the limit, and the full pool its consequence.
        let lockBound = fail.map { $0.maxWaiting > 0 && $0.meanWaiting >= $0.meanActive } ?? false

        // 1. The service's pool, from its own metrics.
        if let before = PoolFigures(passing.run.pool), let after = PoolFigures(failing.run.pool) {
            let size = after.size.map { " of \($0)" } ?? ""
            lines.append("service pool in use: max \(before.maxInUse) → \(after.maxInUse)\(size); requests waiting for a "
                         + "connection: max \(before.maxWaiting) → \(after.maxWaiting)")
            // Saturated: every connection in use and requests waiting, or (a step that failed by a hair, whose
            // queue a once-a-second sample can miss) every connection in use nearly all the time.
            let full = after.size.map { after.maxInUse >= $0 } ?? (after.maxWaiting > 0)
            let busy = after.size.map { after.meanInUse >= 0.9 * Double($0) } ?? false
            if full && (after.maxWaiting > 0 || busy) {
                let text = "the service's connection pool (all \(after.size.map(String.init) ?? "its") connections in use"
                    + (after.maxWaiting > 0 ? ", up to \(after.maxWaiting) requests waiting)"
                        : " \(NumberFormat.percent(after.meanInUse / Double(after.size ?? 1))) of the time on average)")
                if lockBound {
                    lines.append("the service's pool was full too, but most of its sessions waited on a lock: the lock "
                                 + "held the connections, so it is named first")
                } else {
                    limits.append((limit: .servicePool, text: text))
                    findings.append(poolFinding(after, place: place))
                }
            }
        }
        if let pass, let fail {
            lines.append("active database sessions: mean \(NumberFormat.significant(pass.meanActive)) → "
                         + "\(NumberFormat.significant(fail.meanActive)), max \(pass.maxActive) → \(fail.maxActive)"
                         + (failing.run.maxConnections.map { " (max_connections \($0))" } ?? ""))
            lines.append("sessions waiting on a lock: max \(pass.maxWaiting) → \(fail.maxWaiting)")
        }
        // 2. Without pool metrics, the service's database sessions: all busy, their number flat.
        if failing.run.pool.isEmpty, let pool = BusySessionPool(failing.run.connections) {
            let flat = pass.map { $0.maxTotal == pool.size ? ", \(pool.size) at both rates" : ", \($0.maxTotal) → \(pool.size)" } ?? ""
            limits.append((limit: .servicePool, text: "the service's connection pool (all \(pool.size) of its database sessions busy in "
                           + "\(pool.busySeconds) of \(pool.seconds) seconds\(flat); read from pg_stat_activity, no pool metrics)"))
            findings.append(pool.finding(at: place, source: "capacity"))
        }
        // 3. The service's CPU, when metered: at the cores it may use, or flat at a whole number of them.
        let cpu = failing.service.map { usage in
            CPUFigures(busy: usage.busyCores, before: passing.service?.busyCores, allowed: usage.allowedCores,
                       perRequest: usage.cpuMillisecondsPerRequest, waiting: usage.waitingCores,
                       waitingBefore: passing.service?.waitingCores)
        }
        if let cpu {
            lines.append("the service's CPU: \(cpu.before.map { NumberFormat.significant($0) + " → " } ?? "")"
                         + "\(NumberFormat.significant(cpu.busy)) cores busy"
                         + (cpu.allowed.map { " of \(NumberFormat.significant($0)) it may use" } ?? "") + cpu.waitingText)
            if let ceiling = cpu.ceiling {
                limits.append((limit: .serviceCPU, text: "the service's CPU (\(NumberFormat.significant(cpu.busy)) cores busy"
                               + cpu.waitingText
                               + (ceiling.isAll ? " of \(NumberFormat.significant(ceiling.cores)) it may use)"
                                   : ", flat at \(NumberFormat.significant(ceiling.cores)) of \(cpu.allowed.map(NumberFormat.significant) ?? "more"): "
                                     + "a thread's worth, or an interpreter lock such as Python's)")))
                findings.append(cpuFinding(cpu, ceiling: ceiling, place: place))
            }
        }
        // 4. The database: lock waits, max_connections, temp files.
        if let pass, let fail {
            if fail.maxWaiting > pass.maxWaiting, fail.maxWaiting > 0 {
                limits.append((limit: .lockWaits, text: "lock waits (up to \(fail.maxWaiting) sessions waiting)"))
                findings.append(lockFinding(fail, place: place))
            }
            if let max = failing.run.maxConnections, fail.maxTotal >= max - 3 {
                limits.append((limit: .maxConnections, text: "max_connections (\(fail.maxTotal) of \(max) connections open)"))
            }
        }
        if failing.tempFiles > 0 || passing.tempFiles > 0 {
            lines.append("temp files: \(passing.tempFiles) → \(failing.tempFiles)")
            if failing.tempFiles > passing.tempFiles { limits.append((limit: .tempFiles, text: "queries spilling to temp files")) }
        }
        if let grown = mostGrown(passing, failing) { lines.append(grown) }
        // A lock that bounds the sessions is named before what it causes (a full pool from metrics was left out above).
        if lockBound, let index = limits.firstIndex(where: { $0.limit == .lockWaits }) {
            limits.insert(limits.remove(at: index), at: 0)
        }
        let sentence: String
        if !limits.isEmpty {
            sentence = "\(place) the limit was " + limits.map(\.text).joined(separator: "; then ")
        } else if let cpu {
            sentence = "\(place) neither the database nor the service's CPU showed saturation (no pool or lock waits, no temp "
                + "files; the service's CPU \(NumberFormat.significant(cpu.busy)) cores busy"
                + (cpu.allowed.map { " of \(NumberFormat.significant($0))" } ?? "") + cpu.waitingText + "): look at what the service waits on — "
                + "a downstream call, a lock or a pool of its own, or its threads"
        } else {
            sentence = "\(place) the database showed no saturation (no pool or lock waits, no temp files): look at the "
                + "service's own CPU and threads (--service-pid meters its CPU at every step)"
        }
        return Judgement(limit: limits.first?.limit, lines: [sentence] + lines, findings: findings)
    }

    /// The statement whose database time per second grew most between the steps.
    static func mostGrown(_ passing: Step, _ failing: Step) -> String? {
        guard passing.seconds > 0, failing.seconds > 0 else { return nil }
        let before = Dictionary(passing.run.queries.map { ($0.queryID, $0) }, uniquingKeysWith: { a, _ in a })
        let growth = failing.run.queries.map { query -> (QueryStats, Double, Double) in
            let was = before[query.queryID].map { $0.totalMilliseconds / passing.seconds } ?? 0
            return (query, was, query.totalMilliseconds / failing.seconds)
        }
        guard let top = growth.max(by: { $0.2 - $0.1 < $1.2 - $1.1 }), top.2 > top.1 else { return nil }
        let mean = before[top.0.queryID].map { NumberFormat.millis($0.meanMilliseconds) + " → " } ?? ""
        return "the statement whose time grew most: \(top.0.query.collapsingWhitespace.truncated(to: 90)) — "
            + "\(NumberFormat.millis(top.1)) → \(NumberFormat.millis(top.2)) of database time per second, "
            + "mean \(mean)\(NumberFormat.millis(top.0.meanMilliseconds))"
    }

    /// The service's CPU at the failing step (and the passing one), and the ceiling it reached, if any.
    struct CPUFigures {
        var busy: Double
        var before: Double?
        var allowed: Double?
        var perRequest: Double?
        /// Its threads waiting for a core on average (run-queue delay per second) at the failing step and the passing
        /// one, when read (`--service-pid`).
        var waiting: Double? = nil
        var waitingBefore: Double? = nil

        /// What the service asked of the CPUs: the cores it used and those its threads waited for.
        var demand: Double { busy + (waiting ?? 0) }

        /// True when its threads waited for a core at least a fifth as long as they ran (and a tenth of a second each
        /// second): the machine's CPUs, busy with other work, gave it less than it asked for.
        var isStarved: Bool { (waiting ?? 0) >= max(0.1, 0.2 * busy) }

        /// The cores the service may use, when it used 80% of them or more (or, starved, asked for that much); else a
        /// whole number of cores below them that it asked for within −25%..+10% (+25% while starved: waiting threads
        /// pile up), having asked for half of it at the passing step already (one thread, or an interpreter lock, keeps
        /// it there). What it asked for is what it used plus what its threads waited for a core: a clean-clone CI run,
        /// its two cores shared with the load generator, PostgreSQL and other suites, gave the GIL-bound fixture
        /// 0.57 of a core, where it asked for one.
        var ceiling: (cores: Double, isAll: Bool)? {
            if let allowed, allowed > 0, busy >= 0.8 * allowed || (isStarved && demand >= 0.8 * allowed) {
                return (allowed, true)
            }
            if let whole = wholeCores(busy, before: before, upper: 1.1) { return (whole, false) }
            guard isStarved else { return nil }
            if let whole = wholeCores(demand, before: before.map { $0 + (waitingBefore ?? 0) }, upper: 1.25) { return (whole, false) }
            // Starved hard — its threads waited for a core longer than they ran, asking for most of one at least: the
            // CPU was the limit, whatever the service could do with more (a clean-clone CI run with builds beside it
            // gave the GIL-bound fixture 0.145 of a core and kept its threads waiting 1.33; waiting threads of an
            // interpreter lock pile up, so what they ask for says little of how many cores it could use).
            guard let waiting, waiting >= busy, demand >= 0.75 else { return nil }
            let whole = max(1, min(demand.rounded(), allowed ?? .infinity))
            return (whole, allowed.map { whole >= $0 } ?? false)
        }

        /// The whole number of cores below those it may use that `cores` is within −25%..+`upper` of, when `before` (at
        /// the passing step) was half of it already.
        private func wholeCores(_ cores: Double, before: Double?, upper: Double) -> Double? {
            let whole = cores.rounded()
            guard whole >= 1, cores >= 0.75 * whole, cores <= upper * whole, allowed.map({ whole < $0 }) ?? true,
                  before.map({ $0 >= 0.5 * whole }) ?? true
            else { return nil }
            return whole
        }

        /// ` and 0.41 waiting for a core` when its threads waited for one, or nothing.
        var waitingText: String {
            guard let waiting, waiting >= 0.01 else { return "" }
            return " and \(NumberFormat.significant(waiting)) waiting for a core"
        }
    }

    static func poolFinding(_ pool: PoolFigures, place: String) -> Finding {
        Finding(
            id: "pool-saturation", severity: pool.maxWaiting > 0 ? .critical : .warning, object: "service connection pool",
            title: "The service's pool was full \(place)" + (pool.size.map { " (size \($0))" } ?? ""),
            evidence: [.init("peak in use", Double(pool.maxInUse)), .init("peak waiting", Double(pool.maxWaiting))]
                + (pool.size.map { [.init("pool size", Double($0))] } ?? []),
            why: "Requests that wait for a pooled connection add that wait to their latency although the database has capacity.",
            fix: "-- raise the pool (tuner pool computes cores × 2 + spindles per instance), e.g. POOL_SIZE=\(max((pool.size ?? 2) * 4, 10))",
            source: "capacity")
    }

    static func lockFinding(_ sessions: ActivityFigures, place: String) -> Finding {
        Finding(
            id: "lock-waits-during-load", severity: .warning, object: "locks",
            title: "Sessions waited on locks \(place): up to \(sessions.maxWaiting) at once",
            evidence: [.init("peak waiting sessions", Double(sessions.maxWaiting)),
                       .init("mean active sessions", (sessions.meanActive * 100).rounded() / 100)],
            why: "Lock waits serialize requests: latency grows with load although the database is idle.",
            fix: "-- see who blocks whom while it happens:\nSELECT pid, pg_blocking_pids(pid), wait_event, query FROM pg_stat_activity WHERE wait_event_type = 'Lock';",
            source: "capacity")
    }

    static func cpuFinding(_ cpu: CPUFigures, ceiling: (cores: Double, isAll: Bool), place: String) -> Finding {
        Finding(
            id: "service-cpu-saturation", severity: .warning, object: "service CPU",
            title: "The service's CPU was at its ceiling \(place): \(NumberFormat.significant(cpu.busy)) cores busy"
                + (ceiling.isAll ? " of \(NumberFormat.significant(ceiling.cores))" : ", flat at \(NumberFormat.significant(ceiling.cores))"),
            evidence: [.init("cores busy", (cpu.busy * 100).rounded() / 100)]
                + (cpu.allowed.map { [.init("cores it may use", $0)] } ?? [])
                + (cpu.perRequest.map { [.init("CPU per request", ($0 * 100).rounded() / 100, unit: "ms")] } ?? [])
                + (cpu.waiting.map { [.init("threads waiting for a core", ($0 * 100).rounded() / 100)] } ?? []),
            why: (ceiling.isAll
                ? "A service whose CPU is full queues requests however idle its database is: more throughput needs less CPU per request or more cores."
                : "The service used one thread's worth of CPU (or an interpreter lock's, as Python's) while other cores were free: its work does not spread over them.")
                + (cpu.isStarved
                    ? " Its threads also waited for a core \(NumberFormat.significant(cpu.waiting ?? 0)) of each second: the machine's CPUs were busy with other work (the load generator, the database, other processes), so it got less CPU than it asked for; on a machine of its own it would hold more."
                    : ""),
            fix: ceiling.isAll
                ? "-- profile the service under this load (--pprof for a Go service; perf or py-spy for others) and cut its hottest function, or run more instances (tuner capacity --target-rate sizes them)"
                : "-- run more worker processes or threads (e.g. gunicorn --workers \(Int(cpu.allowed ?? 2)), GOMAXPROCS unset), or more instances",
            source: "capacity")
    }

    struct PoolFigures {
        var maxInUse: Int
        var meanInUse: Double
        var maxWaiting: Int
        var size: Int?

        init?(_ samples: [PoolSample]) {
            guard !samples.isEmpty else { return nil }
            maxInUse = samples.map(\.inUse).max() ?? 0
            meanInUse = Double(samples.map(\.inUse).reduce(0, +)) / Double(samples.count)
            maxWaiting = samples.map(\.waiting).max() ?? 0
            size = samples.compactMap(\.size).max()
        }
    }

    struct ActivityFigures {
        var meanActive: Double
        var meanWaiting: Double
        var maxActive: Int
        var maxWaiting: Int
        var maxTotal: Int

        init?(_ samples: [ConnectionSample]) {
            guard !samples.isEmpty else { return nil }
            meanActive = Double(samples.map(\.active).reduce(0, +)) / Double(samples.count)
            meanWaiting = Double(samples.map(\.waiting).reduce(0, +)) / Double(samples.count)
            maxActive = samples.map(\.active).max() ?? 0
            maxWaiting = samples.map(\.waiting).max() ?? 0
            maxTotal = samples.map(\.total).max() ?? 0
        }
    }
}
