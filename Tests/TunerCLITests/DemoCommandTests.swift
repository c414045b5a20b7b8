import Foundation
import Testing
import TunerCore
import TunerTestSupport

/// `tuner demo` end to end, as a user runs it: the binary, a real cluster, the demo shop as its own process.
@Suite(.serialized)
struct DemoCommandTests {
    /// `(data in DIR)` and every `(pid N)` the demo printed.
    static func leftovers(in stderr: String) -> (directory: String?, pids: [Int32]) {
        var directory: String?
        var pids: [Int32] = []
        for line in stderr.split(separator: "\n") {
            if let range = line.range(of: "(data in ") {
                directory = String(line[range.upperBound...].dropLast())
            }
            if let range = line.range(of: "(pid "), let pid = Int32(line[range.upperBound...].dropLast()) {
                pids.append(pid)
            }
        }
        return (directory, pids)
    }

    /// True once no process with this pid exists (reaped by init after tuner exited), waiting up to 5 s.
    static func isGone(_ pid: Int32) -> Bool {
        for _ in 0..<100 {
            if kill(pid, 0) != 0 { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    @Test func demoAtTinyScaleFindsThePlantedProblemsAppliesIndexesAndCleansUp() async throws {
        let out = LoadBinaryRunner.temporaryPath("demo-report")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try await LoadBinaryRunner.runOffThePool(
            ["demo", "--scale", "2", "--duration", "4s", "--warm-up", "1s", "--rate", "40", "--capacity-step", "1s",
             "--capacity-max", "120", "--out", out, "--quiet"],
            timeout: .seconds(420))
        #expect(run.status == 0, "stderr: \(run.stderr.suffix(2000))")

        // Diagnosed: the N+1 of the naive order history and the unindexed foreign key it reads by.
        let diagnosis = run.stderr.components(separatedBy: "step 1:").first ?? ""
        #expect(diagnosis.contains("diagnosis:"))
        #expect(diagnosis.contains("N+1"), "\(diagnosis.suffix(1500))")
        #expect(diagnosis.contains("order_items (order_id)"), "\(diagnosis.suffix(1500))")
        // Created by Tuner, and used: the tuned run (the last result) scanned the new index.
        #expect(run.stderr.contains("CREATE INDEX CONCURRENTLY ON public.order_items (order_id)"))
        let last = try ResultFile.read(out + "/result.json")
        let itemIndexes = (last.database?.indexes ?? []).filter { $0.table == "order_items" && !$0.isUnique }
        #expect(itemIndexes.contains { $0.scans > 0 }, "indexes on order_items: \(itemIndexes)")

        // The before/after table and the report show every step with numbers, its capacity among them.
        for label in ["baseline (naive shop)", "recommended indexes", "pool size", "postgresql settings", "tuned shop code"] {
            #expect(run.stdout.contains(label))
        }
        #expect(run.stdout.contains("p95 customer-orders"))
        // Every step searched; the naive baseline may hold no rate at the SLO (its order history is slow, and on a
        // busy machine more so): "none" is a measured answer, the tuned shop's is a number.
        let capacityRow = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("max req/s at SLO") })
        let figures = capacityRow.dropFirst("max req/s at SLO".count).split(separator: " ").filter { $0 != "≥" }
        #expect(figures.count == 5 && figures.allSatisfy { $0 == "none" || Double($0.replacingOccurrences(of: ",", with: "")) != nil },
                "\(capacityRow)")
        #expect(figures.last.map { Double($0.replacingOccurrences(of: ",", with: "")) != nil } == true, "\(capacityRow)")
        for number in 0..<5 {
            let step = try #require(try FileManager.default.contentsOfDirectory(atPath: out + "/steps")
                .first { $0.hasPrefix("\(number)-") })
            let result = try ResultFile.read(out + "/steps/" + step)
            let capacity = try #require(result.capacity, "step \(step) has no capacity")
            #expect(!capacity.steps.isEmpty && capacity.interval != nil)
            if number == 4 { #expect(capacity.maxSustainableRate != nil) }
        }
        let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        #expect(markdown.contains("Optimization #4"), "\(markdown.prefix(600))")
        #expect(markdown.contains("tuned shop code"))
        #expect(markdown.contains("max req/s at the SLO"))
        #expect(FileManager.default.fileExists(atPath: out + "/report.html"))

        // The pool sweep chose the pool the next step used; the flush sweep measured how long audit rows
        // waited, longer for longer intervals (a row waits up to the interval: the truth by construction).
        #expect(markdown.contains("## Sweep of SHOP\\_POOL\\_SIZE"), "\(markdown.suffix(3000))")
        #expect(markdown.contains("## Sweep of BUFFER\\_FLUSH\\_INTERVAL"))
        let flushRows = run.stdout.split(separator: "\n").filter { line in ["0.5s ", "1s ", "2s ", "5s "].contains { line.hasPrefix($0) } }
        #expect(flushRows.count == 4, "\(run.stdout.suffix(2500))")
        let cells = { (line: Substring) in line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        let header = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("BUFFER_FLUSH_INTERVAL ") })
        let waitColumn = try #require(cells(header).firstIndex(of: "audit wait ms"), "\(header)")
        for row in flushRows {
            let interval = try Duration(parsing: cells(row)[0]).seconds * 1000
            let wait = try #require(Double(cells(row)[waitColumn].replacingOccurrences(of: ",", with: "")), "\(row)")
            // A row waits from its request to the next flush: half the interval on average, plus the INSERT.
            #expect(abs(wait - interval / 2) < interval * 0.15 + 50, "\(row)")
        }

        // Seed 002's guide, filled in whole: every blank the demo can measure holds its measured value, the same one the
        // report's other sections and the demo's own output show; only what needs a profile the Swift shop cannot
        // serve (pprof) says why it is not measured.
        let guide = try #require(markdown.components(separatedBy: "## The tuning guide, filled in").dropFirst().first,
                                 "\(markdown.suffix(2000))")
        #expect(!markdown.contains("[FILL"))
        let unmeasured = guide.split(separator: "\n").filter { $0.contains("not measured") }
        #expect(unmeasured.allSatisfy { $0.contains("profile") }, "\(unmeasured)")
        let poolKnee = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("recommended: SHOP_POOL_SIZE=") })
            .dropFirst("recommended: SHOP_POOL_SIZE=".count).prefix { $0.isNumber }
        #expect(guide.contains("**Recommended:** **\(poolKnee) connections**"), "\(guide.prefix(1500))")
        #expect(guide.contains("DB_MAX_OPEN_CONNS=\(poolKnee)\n"))
        let batchKnee = try #require(run.stdout.split(separator: "\n").first { $0.hasPrefix("knee: ") })
            .dropFirst("knee: ".count).prefix { $0.isNumber }
        #expect(guide.contains("const maxBatchSize = \(batchKnee) "), "\(guide)")
        let ratio = try #require(last.database?.cacheHitRatio)
        #expect(guide.contains("Cache hit ratio: **\(NumberFormat.percent(ratio))**"))
        #expect(guide.contains("faster first-request latency") && guide.contains("SHOP\\_PREWARMED\\_POOL=on"))
        #expect(guide.contains("- [x] CPU and memory of the service monitored"))

        // Nothing left running: the cluster's directory is gone and the shops have exited.
        let (directory, pids) = Self.leftovers(in: run.stderr)
        let cluster = try #require(directory)
        #expect(!FileManager.default.fileExists(atPath: cluster))
        #expect(pids.count == 4)
        for pid in pids { #expect(Self.isGone(pid), "demo-shop pid \(pid) still runs") }
    }

    @Test func interruptedDemoLeavesNothingRunning() async throws {
        let run = try await LoadBinaryRunner.run(
            ["demo", "--scale", "1", "--duration", "30s", "--warm-up", "1s", "--out", LoadBinaryRunner.temporaryPath("demo-int"),
             "--quiet"],
            interruptWhen: { $0.contains("baseline:") && $0.contains("listening on") }, timeout: .seconds(120))
        #expect(run.status == 130, "stderr: \(run.stderr.suffix(1500))")
        let (directory, pids) = Self.leftovers(in: run.stderr)
        let cluster = try #require(directory, "the cluster had started: \(run.stderr.prefix(800))")
        for _ in 0..<100 where FileManager.default.fileExists(atPath: cluster) { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!FileManager.default.fileExists(atPath: cluster))
        for pid in pids { #expect(Self.isGone(pid), "demo-shop pid \(pid) still runs") }
    }

    @Test func badOptionsAreOneLineUsageErrors() async throws {
        let run = try await LoadBinaryRunner.run(["demo", "--scale", "0"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--scale must be at least 1"))
    }
}
