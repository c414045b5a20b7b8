import Foundation
import Testing
import TunerCore
import TunerLoad
@testable import TunerOrchestration

/// The tune file: the contract's smallest file, every mistake a line that names it, `tuner tune init`'s template;
/// the plan made from findings; the keep-or-undo rule.
struct TuneFileTests {
    static let contract = """
        scenario: scenario.yaml                 # or target: http://127.0.0.1:8080/path
        slo: ["p95 < 300ms", "error_rate < 1%"]
        database: postgres://user@127.0.0.1:5432/app
        service:
          command: ./server                     # started by Tuner in its own process group, stopped the same way
          ready: http://127.0.0.1:8080/health
          env: { DB_MAX_OPEN_CONNS: "50" }      # today's values
        knobs:
          DB_MAX_OPEN_CONNS: [1, 2, 4, 8, 16]
        apply: [indexes, settings]              # what Tuner may change in the database (restarts only if listed)
        """

    @Test func theContractsFileIsAccepted() throws {
        let file = try TuneFile(yaml: Self.contract, path: "/srv/app/tune.yaml")
        #expect(file.load == .scenario(path: "scenario.yaml"))
        #expect(file.resolve("scenario.yaml") == "/srv/app/scenario.yaml")
        #expect(file.slo == ["p95 < 300ms", "error_rate < 1%"] && file.thresholds.count == 2)
        #expect(file.database == "postgres://user@127.0.0.1:5432/app")
        #expect(file.service.command == "./server" && file.service.ready == "http://127.0.0.1:8080/health")
        #expect(file.service.env == ["DB_MAX_OPEN_CONNS": "50"])
        #expect(file.knobs == [TuneFile.Knob(name: "DB_MAX_OPEN_CONNS", values: ["1", "2", "4", "8", "16"])])
        #expect(file.apply == [.indexes, .settings])
        #expect(file.capacity.stepDuration == .seconds(5) && file.capacity.precision == 0.10)
    }

    /// Each mistake: one line naming the file, the line where it can, and what to write instead.
    @Test(arguments: [
        ("target: http://x/\nscenario: s.yaml\nslo: [\"p95 < 1s\"]\ndatabase: postgres://a@b/c", "tune.yaml:", "either scenario: or target:"),
        ("slo: [\"p95 < 1s\"]\ndatabase: postgres://a@b/c", "tune.yaml:", "name the load"),
        ("target: http://x/\ndatabase: postgres://a@b/c", "tune.yaml:", "slo: is missing"),
        ("target: http://x/\nslo: [\"p95 <\"]\ndatabase: postgres://a@b/c", "tune.yaml:2:", "slo: 'p95 <'"),
        ("target: http://x/\nslo: [\"p95 < 1s\"]", "tune.yaml:", "database: is missing"),
        ("target: http://x/\nslo: [\"p95 < 1s\"]\ndatabase: mysql://a@b/c", "tune.yaml:3:", "not a postgres:// URL"),
        ("target: ftp://x/\nslo: [\"p95 < 1s\"]\ndatabase: postgres://a@b/c", "tune.yaml:1:", "not an http://"),
        ("target: http://x/\nslo: [\"p95 < 1s\"]\ndatabase: postgres://a@b/c\nknobs:\n  POOL: [1, 2]", "tune.yaml:", "knobs need service.command"),
        ("target: http://x/\nslo: [\"p95 < 1s\"]\ndatabase: postgres://a@b/c\nservice:\n  command: x\nknobs:\n  POOL: []", "tune.yaml:", "at least one value"),
        ("target: http://x/\nslo: [\"p95 < 1s\"]\ndatabase: postgres://a@b/c\nservice:\n  command: x\nknobs:\n  1POOL: [1, 2]", "tune.yaml:", "not an environment variable"),
        ("target: http://x/\nslo: [\"p95 < 1s\"]\ndatabase: postgres://a@b/c\napply: [indexes, drop-tables]", "tune.yaml:4:", "unknown 'drop-tables'"),
        ("target: http://x/\nslo: [\"p95 < 1s\"]\ndatabase: postgres://a@b/c\nwhatever: 1", "tune.yaml:4:", "unknown key 'whatever'"),
        ("target: [http://x/\n", "tune.yaml:", "invalid YAML"),
    ])
    func mistakesAreOneLineThatNamesThem(text: String, place: String, words: String) {
        do {
            _ = try TuneFile(yaml: text, path: "tune.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(place) && error.description.contains(words), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    /// What `tuner tune init` writes parses as it stands, with the load and database it was given, and without the
    /// password the URL carried.
    @Test func theTemplateParsesAndKeepsNoPassword() throws {
        let text = TuneFile.template(load: .target(url: "http://127.0.0.1:8080/orders"),
                                     database: "postgres://app:s3cret@127.0.0.1:5432/app", command: "./server --port 8080",
                                     ready: "http://127.0.0.1:8080/health")
        #expect(!text.contains("s3cret"))
        let file = try TuneFile(yaml: text, path: "tune.yaml")
        #expect(file.load == .target(url: "http://127.0.0.1:8080/orders"))
        #expect(file.database == "postgres://app@127.0.0.1:5432/app")
        #expect(file.service.command == "./server --port 8080" && file.knobs.isEmpty && file.apply == [.indexes, .settings])
        let bare = try TuneFile(yaml: TuneFile.template(load: .scenario(path: "shop.yaml"), database: "postgres://a@b/c",
                                                        command: nil, ready: nil), path: "tune.yaml")
        #expect(bare.service.command == nil && bare.load == .scenario(path: "shop.yaml"))
    }

    /// The plan: the advisor's indexes (largest saving first, each with the statement that drops it again), work_mem
    /// for a spill, the knobs; code findings become next steps; what `apply:` does not allow is marked, not dropped.
    @Test func thePlanComesFromTheFindings() throws {
        func index(_ name: String, table: String, saved: Double) -> Finding {
            Finding(id: "missing-index", severity: .warning, object: "\(table) (customer_id)", title: "Missing index on \(table)",
                    evidence: [.init("database time saved per hour", saved, unit: "ms")], why: "cheaper",
                    fix: "CREATE INDEX CONCURRENTLY \(name) ON \(table) (customer_id);", source: "advise")
        }
        let findings = [
            index("orders_customer_id_idx", table: "public.orders", saved: 10),
            index("\"Big Table_idx\"", table: "\"Big Table\"", saved: 500),
            Finding(id: "temp-files-during-load", severity: .warning, object: "work_mem", title: "Queries spilled 300 MB",
                    evidence: [.init("temp files", 10), .init("temp bytes", 300 * 1_048_576)], why: "slow", fix: "SET work_mem", source: "run"),
            Finding(id: "n-plus-one", severity: .critical, object: "SELECT … order_items", title: "N+1 on order_items",
                    evidence: [], why: "one query per row", fix: "fetch them in one query", source: "run"),
            Finding(id: "pool-saturation", severity: .warning, object: "service connection pool", title: "pool full",
                    evidence: [], why: "queue", fix: nil, source: "run"),
            // The doctor's spill of one statement asks for more than the run's mean spill: its size wins.
            Finding(id: "query-temp-spill", severity: .warning, object: "query 77", title: "Statement spills 100 MB per call",
                    evidence: [], why: "disk", fix: "SET work_mem = '256MB';  -- in the session", source: "check"),
            Finding(id: "slow-query", severity: .warning, object: "query 77", title: "Slow statement: mean 900 ms",
                    evidence: [], why: "slow", fix: "EXPLAIN …", source: "check"),
            // The scans the planned index removes are not a next step.
            Finding(id: "seq-scan-during-load", severity: .critical, object: "public.orders", title: "public.orders was read by 9 sequential scans",
                    evidence: [], why: "scans", fix: "tuner db advise", source: "run"),
        ]
        var file = try TuneFile(yaml: Self.contract, path: "tune.yaml")
        file.apply = [.indexes]
        let plan = TunePlan(findings: findings, file: file)
        #expect(plan.items.map(\.title) == [
            "index \"Big Table_idx\" on \"Big Table\" (customer_id)", "index orders_customer_id_idx on public.orders (customer_id)",
            "work_mem = 256MB", "DB_MAX_OPEN_CONNS ∈ {1, 2, 4, 8, 16}",
        ])
        #expect(plan.items[1].change == .index(
            name: "orders_customer_id_idx", create: "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON public.orders (customer_id);",
            drop: "DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_id_idx"))
        #expect(plan.items[2].blocked == "apply: does not list settings" && plan.items[0].blocked == nil)
        #expect(plan.nextSteps == ["N+1 on order_items — fetch them in one query"], "the pool's finding is the knob's: \(plan.nextSteps)")
    }

    /// Kept only when the interval after lies wholly above the one before; an overlap or a loss is undone.
    @Test func aChangeIsKeptOnlyWhenTheCapacityRoseBeyondUncertainty() {
        func capacity(_ rate: Double?, passed: Double?, failed: Double?) -> CapacityResult {
            var result = CapacityResult(maxSustainableRate: rate, isLowerBound: false, firstFailingRate: failed, failureReason: nil,
                                        limitedByGenerator: false, slo: [], steps: [], kneeRate: nil, scalability: nil,
                                        sizing: nil, searchSeconds: 1)
            result.interval = CapacityInterval(passed: passed, failed: failed)
            return result
        }
        let before = capacity(20, passed: 20, failed: 22)
        let better = TuneDecision.judge(before: before, after: capacity(30, passed: 30, failed: 33))
        #expect(better.kept && better.reason.contains("+50%"), "\(better.reason)")
        let overlap = TuneDecision.judge(before: before, after: capacity(21, passed: 21, failed: 23))
        #expect(!overlap.kept && overlap.reason.contains("no gain beyond the searches' uncertainty"), "\(overlap.reason)")
        let worse = TuneDecision.judge(before: before, after: capacity(10, passed: 10, failed: 11))
        #expect(!worse.kept && worse.reason.contains("got worse"), "\(worse.reason)")
        let fromNone = TuneDecision.judge(before: capacity(nil, passed: nil, failed: 0.5), after: capacity(8, passed: 8, failed: 9))
        #expect(fromNone.kept, "\(fromNone.reason)")
        let neither = TuneDecision.judge(before: capacity(nil, passed: nil, failed: 0.5), after: capacity(nil, passed: nil, failed: 0.5))
        #expect(!neither.kept && neither.reason.hasPrefix("no rate held the SLO"))

        // Confirmed against the state without it measured again: a machine that got quieter between the two searches
        // (the second measurement without the change holds as much as the change) is not credited.
        let drifted = TuneDecision.confirm(better, after: capacity(30, passed: 30, failed: 33),
                                           beforeAgain: capacity(30, passed: 30, failed: 33))
        #expect(!drifted.kept && drifted.reason.contains("the machine changing between the searches"), "\(drifted.reason)")
        let held = TuneDecision.confirm(better, after: capacity(30, passed: 30, failed: 33),
                                        beforeAgain: capacity(21, passed: 21, failed: 23))
        #expect(held.kept && held.reason.contains("measured after it: 21 req/s"), "\(held.reason)")
        #expect(TuneDecision.confirm(overlap, after: capacity(21, passed: 21, failed: 23), beforeAgain: before) == overlap)
    }
}
