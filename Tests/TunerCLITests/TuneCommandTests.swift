import EmbeddedPostgres
import Foundation
import Testing
import TunerCore
import TunerTestSupport

/// `tuner tune` against a service whose problems and fixes are known by construction (`Fixtures/tune_server.py`): a
/// missing index on the column every order lookup filters by, a report whose sort spills past the default work_mem,
/// a pool of one session on a two-core machine, and a setting the service ignores.
@Suite(.serialized) struct TuneCommandTests {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tune_server.py").path
    }

    /// The service's database, filled: 1,000,000 orders of 5,000 customers, no index but the primary key.
    static func prepare(_ cluster: EmbeddedCluster) async throws -> String {
        let database = try await cluster.createDatabase("tuned")
        let psql = try PostgresInstallation.find().binary("psql")
        _ = try TestProgram.run("/usr/bin/env", ["python3", script, "0", psql, "--setup", "1000000", database])
        return database
    }

    /// The tune file: the orders lookup (19 in 20 requests) and the report, judged by the lookups' p95 (an error rate
    /// with no errors would need 380 requests a step to be decided, more than the slow baseline's steps hold); today's
    /// pool of one session; knobs POOL (2, 4; today's 1 is measured beside them) and NOOP (b beside today's a; the
    /// service ignores it).
    static func tuneFile(port: Int, database: String, directory: String) throws -> String {
        let psql = try PostgresInstallation.find().binary("psql")
        let scenario = """
            target: http://127.0.0.1:\(port)
            scenarios:
              - name: users
                model: open
                stages: [{ duration: 10s, rate: 10 }]
                requests:
                  - { name: orders, path: "/orders?customer=${random:1..5000}", weight: 19 }
                  - { name: report, path: /report, weight: 1 }
            """
        try scenario.write(toFile: directory + "/scenario.yaml", atomically: true, encoding: .utf8)
        let file = """
            scenario: scenario.yaml
            slo: ["orders: p95 < 500ms"]
            database: "\(database)"
            service:
              command: "DATABASE_URL='\(database)' exec python3 \(script) \(port) \(psql)"
              ready: http://127.0.0.1:\(port)/health
              env: { POOL: "1", NOOP: "a" }
            knobs:
              POOL: [2, 4]
              NOOP: [b]
            apply: [indexes, settings]
            capacity: { step: 3s, warm-up: 1s, confirm: 4s, precision: 15%, max-step: 15s }
            """
        let path = directory + "/tune.yaml"
        try file.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// What a tune may change, as the catalogs show it: the table's indexes and the server's ALTER SYSTEM settings.
    static func catalogs(_ database: String) throws -> String {
        let psql = try PostgresInstallation.find().binary("psql")
        return try TestProgram.run(psql, ["-X", "-A", "-t", "-d", database, "-c",
            "SELECT string_agg(indexname || ': ' || indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'tune_orders';"
                + " SELECT string_agg(name || ' = ' || setting, E'\\n' ORDER BY name) FROM pg_file_settings"
                + " WHERE sourcefile LIKE '%postgresql.auto.conf';"
                + " SELECT current_setting('work_mem');"])
    }

    /// Without --apply: the baseline, the diagnosis and the plan (the missing index among it), and the catalogs and
    /// settings exactly as they were.
    /// A fresh cluster with the service's database filled, the port the service will listen on held, and the tune
    /// file written in a directory of its own: `body` gets the database URL, the file, and the output directory.
    static func withTunableService(_ body: (_ database: String, _ file: String, _ out: String) async throws -> Void) async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let database = try await Self.prepare(cluster)
            let reservation = try TestPorts.reserve()
            defer { reservation.release() }
            let directory = LoadBinaryRunner.temporaryPath("tune")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let file = try Self.tuneFile(port: reservation.port, database: database, directory: directory)
            try await body(database, file, directory + "/out")
        }
    }

    @Test func withoutApplyItPlansAndChangesNothing() async throws {
        try await Self.withTunableService { database, file, out in
            let before = try Self.catalogs(database)
            let run = try await LoadBinaryRunner.run(["tune", file, "--out", out], timeout: .seconds(600))
            #expect(run.status == 0, "\(run.stderr.suffix(3000))")
            #expect(try Self.catalogs(database) == before, "without --apply nothing in the database changes")
            let record = try Self.record(out)
            #expect(record["applied"] as? Bool == false)
            let steps = record["steps"] as? [[String: Any]] ?? []
            #expect(steps.count == 1 && steps.first?["kind"] as? String == "baseline", "\(steps)")
            #expect(steps.first?["capacityAfter"] is Double, "the baseline's capacity: \(steps); its steps: \(Self.searchSteps(out + "/steps/0-baseline.json"))")
            #expect(run.stdout.contains("plan (run with --apply to try it):"), "\(run.stdout)")
            #expect(run.stdout.contains("index tune_orders_customer_id_idx on"), "\(run.stdout)")
            #expect(FileManager.default.fileExists(atPath: out + "/report.html"))
        }
    }

    /// With --apply, interrupted while it measures the index: the index is dropped again and the record says where
    /// to go on; --resume then keeps what paid — the index, a pool of more than one — and not the setting the service
    /// ignores, and the catalogs hold exactly the kept index and settings.
    @Test func applyKeepsWhatPaidUndoesWhatDidNotAndResumes() async throws {
        try await Self.withTunableService { database, file, out in
            // Interrupted once the index's capacity search has measured a step.
            let interrupted = try await LoadBinaryRunner.run(["tune", file, "--apply", "--out", out], interruptWhen: { text in
                guard let start = text.range(of: "step 1: creating index") else { return false }
                return text[start.upperBound...].contains("req/s")
            }, timeout: .seconds(600))
            #expect(interrupted.status == 130, "\(interrupted.stderr.suffix(3000))")
            let cut = try Self.record(out)
            #expect(cut["inFlight"] == nil, "the change in flight was undone: \(cut)")
            #expect(!(try Self.catalogs(database)).contains("tune_orders_customer_id_idx"), "the index was dropped again")

            let resumed = try await LoadBinaryRunner.run(["tune", file, "--apply", "--resume", "--out", out], timeout: .seconds(1500))
            #expect(resumed.status == 0, "\(resumed.stderr.suffix(3000))")
            let record = try Self.record(out)
            let steps = record["steps"] as? [[String: Any]] ?? []
            let kept = Dictionary(steps.map { ($0["name"] as? String ?? "", $0["kept"] as? Bool ?? false) }, uniquingKeysWith: { $1 })
            let summary = steps.map { "\($0["name"] ?? "") kept \($0["kept"] ?? "") — \($0["reason"] ?? "")" }.joined(separator: "\n")
            #expect(kept.first { $0.key.hasPrefix("index tune_orders_customer_id_idx") }?.value == true, "\(summary)")
            // work_mem: the report's sort in memory instead of page-cached temporary files is 20–35% faster here, which
            // may or may not lift the capacity beyond the searches' uncertainty; either way the database must say
            // what the record says.
            let workMemKept = kept.first { $0.key.hasPrefix("work_mem") }?.value
            #expect(workMemKept != nil, "the spill was planned: \(summary)")
            #expect(kept.first { $0.key.hasPrefix("POOL") }?.value == true, "\(summary)")
            #expect(kept.first { $0.key.hasPrefix("NOOP") }?.value == false, "\(summary)")
            let final = record["final"] as? [String: Any] ?? [:]
            let env = final["env"] as? [String: String] ?? [:]
            #expect(env["NOOP"] == "a" && env["POOL"] != "1", "\(env)")
            let settings = final["settings"] as? [String: String] ?? [:]
            let catalogs = try Self.catalogs(database)
            #expect(catalogs.contains("tune_orders_customer_id_idx: CREATE INDEX tune_orders_customer_id_idx"), "\(catalogs)")
            #expect(catalogs.components(separatedBy: "CREATE ").count - 1 == 2, "the primary key and the kept index only: \(catalogs)")
            if workMemKept == true {
                let workMem = try #require(settings["work_mem"], "\(final)")
                #expect(catalogs.contains("work_mem = \(workMem)"), "\(catalogs)")
            } else {
                #expect(settings["work_mem"] == nil && !catalogs.contains("work_mem ="), "rolled back: \(catalogs)")
            }
            let indexes = try String(contentsOfFile: out + "/indexes.sql", encoding: .utf8)
            #expect(indexes.contains("CREATE INDEX CONCURRENTLY tune_orders_customer_id_idx"))
            let tuned = try String(contentsOfFile: out + "/tuned.env", encoding: .utf8)
            #expect(tuned.contains("NOOP=a") && tuned.contains("POOL="))
        }
    }

    /// `profile: perf` on a native service built here (`Fixtures/hot_server.c`, three quarters of its CPU in
    /// `burn_hot` by construction): the baseline's profile names `burn_hot` as the place to act and the next steps say
    /// so. Then the user's code change — the service started with a quarter of the work per request — measured with
    /// `--resume --change` against the kept state: credited, with a capacity more than twice the baseline's.
    @Test(.enabled(if: Profilers.perfMaySample, "perf may not sample other processes here"))
    func aProfileJoinsTheNextStepsAndYourCodeChangeIsMeasured() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let directory = LoadBinaryRunner.temporaryPath("tune-code")
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            _ = try Profilers.buildHotServer(in: directory)
            try "2000000".write(toFile: directory + "/work.txt", atomically: true, encoding: .utf8)
            let reservation = try TestPorts.reserve()
            defer { reservation.release() }
            let port = reservation.port
            let file = """
                target: http://127.0.0.1:\(port)/work
                slo: ["p95 < 300ms"]
                database: "\(cluster.url)"
                service:
                  command: "exec ./hot_server \(port) $(cat work.txt)"
                  ready: http://127.0.0.1:\(port)/health
                apply: []
                profile: perf
                capacity: { step: 2s, warm-up: 1s, confirm: 3s, precision: 20%, max-step: 8s }
                """
            try file.write(toFile: directory + "/tune.yaml", atomically: true, encoding: .utf8)
            let out = directory + "/out"
            let first = try await LoadBinaryRunner.run(["tune", directory + "/tune.yaml", "--apply", "--out", out], timeout: .seconds(600))
            #expect(first.status == 0, "\(first.stderr.suffix(3000))")
            let baseline = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/steps/0-baseline.json"))) as? [String: Any]
            let profile = baseline?["profile"] as? [String: Any]
            let place = profile?["placeToAct"] as? [String: Any]
            #expect(place?["name"] as? String == "burn_hot", "\(place ?? [:]); notes: \(baseline?["notes"] ?? "")")
            let nextSteps = try Self.record(out)["nextSteps"] as? [String] ?? []
            #expect(nextSteps.contains { $0.hasPrefix("burn_hot takes ") }, "\(nextSteps)")

            try "500000".write(toFile: directory + "/work.txt", atomically: true, encoding: .utf8)
            let second = try await LoadBinaryRunner.run(["tune", directory + "/tune.yaml", "--apply", "--resume", "--out", out,
                                                         "--change", "a quarter of the work per request"], timeout: .seconds(600))
            #expect(second.status == 0, "\(second.stderr.suffix(3000))")
            let steps = try Self.record(out)["steps"] as? [[String: Any]] ?? []
            let code = try #require(steps.last, "\(steps)")
            #expect(code["kind"] as? String == "code" && code["change"] as? String == "a quarter of the work per request", "\(code)")
            let before = code["capacityBefore"] as? Double ?? 0, after = code["capacityAfter"] as? Double ?? 0
            #expect(code["kept"] as? Bool == true && after > 2 * before, "\(code)")
            #expect(second.stdout.contains("kept: code: a quarter of the work per request"), "\(second.stdout)")
        }
    }

    /// A step's capacity search, one line per step (offered rate, requests, verdict), for a failure's message.
    static func searchSteps(_ path: String) -> String {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)),
              let result = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let capacity = result["capacity"] as? [String: Any], let steps = capacity["steps"] as? [[String: Any]]
        else { return "(no \(path))" }
        return steps.map { step in
            "\(step["phase"] ?? "?") \(step["offeredRate"] ?? "?") req/s, \(step["requests"] ?? "?") requests: \(step["reason"] ?? "pass")"
        }.joined(separator: "; ")
    }

    static func record(_ out: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/tune.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }
}
