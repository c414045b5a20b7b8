@testable import EmbeddedPostgres
import Foundation
import Testing
import TunerCore
import TunerTestSupport

/// `tuner k8s` as a user runs it: shards as local processes through the barrier and the merge, with the database
/// observed; the manifest checked by kubernetes-validate; merges of shards that are not one whole refused.
@Suite(.serialized) struct DistributedCommandTests {
    @Test func localShardsRunOnOneClockMergeAndJudgeThresholdsOnTheWhole() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("distributed")
            let out = LoadBinaryRunner.temporaryPath("k8s-local")
            defer { try? FileManager.default.removeItem(atPath: out) }
            let run = try await LoadBinaryRunner.runOffThePool(
                ["k8s", "run", server.url + "/", "--shards", "3", "--launcher", "local", "--db", url, "--out", out,
                 "--no-check", "--no-advise", "--", "--rate", "150", "--duration", "4s", "--threshold", "error_rate < 1%"],
                timeout: .seconds(180))
            #expect(run.status == 0, "\(run.stderr.suffix(1500))")
            let merged = try ResultFile.read("\(out)/result.json")
            #expect(merged.shards == 3)
            #expect(abs(Double(merged.overall.count) - 600) <= 12, "rate × duration ± 2%: \(merged.overall.count)")
            #expect(merged.database != nil, "the database was observed from the coordinator")
            // Every second holds the full rate when the server answered within the second (the series counts answers).
            if merged.overall.latency.p99 < 100 {
                for second in 0..<4 {
                    let requests = merged.series.first { $0.second == second }?.requests ?? 0
                    #expect(abs(Double(requests) - 150) <= 15, "second \(second): \(merged.series.map(\.requests))")
                }
            }
            var shardPaths: [String] = []
            for index in 0..<3 {
                let path = "\(out)/shard-\(index).json"
                let shard = try ResultFile.read(path)
                #expect(shard.shard?.index == index && shard.shard?.count == 3)
                #expect(shard.configuration.rate == 50)
                shardPaths.append(path)
            }
            for file in ["report.md", "report.html", "junit.xml"] {
                #expect(FileManager.default.fileExists(atPath: "\(out)/\(file)"), "\(file) missing")
            }

            // Every shard holds 'rps < 100' (about 50 each); the whole (150) does not: judged on the merge, exit 99.
            let judged = try await LoadBinaryRunner.run(["merge"] + shardPaths + ["--threshold", "rps < 100"])
            #expect(judged.status == 99, "\(judged.stdout) \(judged.stderr)")
            for path in shardPaths {
                #expect(try ResultFile.read(path).overall.rps < 100)
            }
            // A shard missing, a shard twice, a shard of another plan: each refused with one line.
            let missing = try await LoadBinaryRunner.run(["merge", shardPaths[0], shardPaths[2]])
            #expect(missing.status == 64 && missing.stderr.contains("1 of 3 shards missing: 1/3"), "\(missing.stderr)")
            let twice = try await LoadBinaryRunner.run(["merge", shardPaths[0], shardPaths[1], shardPaths[1], shardPaths[2]])
            #expect(twice.status == 64 && twice.stderr.contains("given twice"), "\(twice.stderr)")
            let other = "\(out)/other.json"
            let otherRun = try await LoadBinaryRunner.run(
                ["load", server.url + "/", "--rate", "30", "--duration", "1s", "--shard", "1/3", "--json", other, "--quiet"])
            #expect(otherRun.status == 0, "\(otherRun.stderr)")
            let mismatched = try await LoadBinaryRunner.run(["merge", shardPaths[0], other, shardPaths[2]])
            #expect(mismatched.status == 64 && mismatched.stderr.contains("ran another plan"), "\(mismatched.stderr)")
            #expect(mismatched.stderr.split(separator: "\n").count == 1, "\(mismatched.stderr)")
        }
    }

    /// `Fixtures/fake_kubectl.py` behind a wrapper that names its state directory and the tuner binary (the image),
    /// run by the Python that has PyYAML (`make test`'s venv).
    static func fakeKubectl(state: String, failingShard: Int? = nil) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = root.appendingPathComponent(".build/venv/bin/python3").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "make test makes .build/venv (with PyYAML)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fake_kubectl.py").path
        let wrapper = state + "/kubectl"
        try """
            #!/bin/sh
            export FAKE_KUBE_STATE='\(state)' FAKE_KUBE_TUNER='\(LoadBinaryRunner.binary.path)'
            \(failingShard.map { "export FAKE_KUBE_FAIL_INDEX=\($0)\n" } ?? "")exec '\(python)' '\(script)' "$@"

            """.write(toFile: wrapper, atomically: true, encoding: .utf8)
        chmod(wrapper, 0o755)
        return wrapper
    }

    /// The kubectl launcher through a kubectl that runs the Job's pods as processes here (each with its own loopback
    /// address for the barrier, as pods have their own IPs): the manifest applied (the fake checks it is an Indexed
    /// Job without retries, its shard from the completion index), readiness polled, the starter pod given the pods'
    /// addresses, each shard's result read from its log, merged, and everything deleted.
    @Test func theKubectlLauncherRunsTheJobThroughKubectl() async throws {
        let server = try await TestHTTPServer()
        defer { server.stopInBackground() }
        let state = LoadBinaryRunner.temporaryPath("fake-kube")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: state) }
        try """
            target: \(server.url)
            scenarios:
              - { name: browse, model: open, rate: 90, duration: 3s, requests: [{ name: home, path: / }] }
            """.write(toFile: state + "/shop.yaml", atomically: true, encoding: .utf8)
        let kubectl = try Self.fakeKubectl(state: state)
        let run = try await LoadBinaryRunner.run(
            ["k8s", "run", state + "/shop.yaml", "--shards", "3", "--kubectl", kubectl, "--image", "example.com/tuner:1",
             "--start-lead", "2s", "--out", state + "/out"], timeout: .seconds(180))
        let calls = (try? String(contentsOfFile: state + "/calls.log", encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        #expect(run.status == 0, "\(run.stderr.suffix(1500))\ncalls: \(calls)")
        let merged = try ResultFile.read(state + "/out/result.json")
        #expect(merged.shards == 3)
        // The three shards' schedules add up to the rate × the duration (each its exact share of evenly spaced
        // arrivals), and the merged count is more than any two shards could have completed (a busy machine may leave a
        // few answers past the window's end: a clean-clone run's parallel pass counted 252).
        let planned = Double(merged.schedule?.planned ?? 0)
        #expect(abs(planned - 270) <= 3, "planned \(planned)")
        #expect(Double(merged.overall.count) > 2 * 90 * 1.1 && Double(merged.overall.count) <= planned + 3,
                "\(merged.overall.count) of \(planned) planned")
        // The lifecycle, in order: apply, poll the pods, start them, wait for the starter, the job's end, 3 logs, delete.
        let verbs = ["apply -f", "get pods", "run ", "wait ", "get job", "logs ", "delete "]
        let firsts = verbs.map { verb in calls.firstIndex { $0.hasPrefix(verb) } ?? -1 }
        #expect(!firsts.contains(-1) && firsts == firsts.sorted(), "\(calls)")
        #expect(calls.filter { $0.hasPrefix("logs ") }.count == 3)
        // The starter was given every pod's barrier address.
        let starter = calls.first { $0.hasPrefix("run ") } ?? ""
        for index in 0..<3 { #expect(starter.contains("127.0.0.\(10 + index):6565"), "\(starter)") }
        let delete = calls.last { $0.hasPrefix("delete ") } ?? ""
        #expect(delete.contains("job/") && delete.contains("-start") && delete.contains("configmap/"), "\(delete)")
    }

    /// A pod that fails before it is ready ends the run with its log's last lines, and what was created is deleted.
    @Test func aPodThatFailsBeforeItIsReadyIsNamedAndTheJobDeleted() async throws {
        let state = LoadBinaryRunner.temporaryPath("fake-kube-fail")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: state) }
        let kubectl = try Self.fakeKubectl(state: state, failingShard: 1)
        let closedReservation = try TestPorts.reserve()
        defer { closedReservation.release() }
        let closed = closedReservation.port
        let run = try await LoadBinaryRunner.run(
            ["k8s", "run", "http://127.0.0.1:\(closed)/", "--shards", "3", "--kubectl", kubectl, "--ready-timeout", "60s",
             "--out", state + "/out", "--", "--rate", "10", "--duration", "2s"], timeout: .seconds(120))
        let calls = (try? String(contentsOfFile: state + "/calls.log", encoding: .utf8)) ?? ""
        #expect(run.status == 1, "\(run.stdout.suffix(500)) \(run.stderr.suffix(1000))")
        #expect(run.stderr.contains("shard 1 ended before it was ready") && run.stderr.contains("shard failed to start"),
                "\(run.stderr.suffix(1000))")
        #expect(calls.contains("\ndelete "), "\(calls)")
    }

    /// What `tuner k8s manifest` writes is valid for a current Kubernetes (kubernetes-validate, strict), carries the
    /// scenario, and is an Indexed Job without retries whose pods run their shard of the plan.
    @Test func theManifestIsAValidIndexedJobWithTheScenario() throws {
        let directory = LoadBinaryRunner.temporaryPath("k8s-manifest")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            target: http://shop.default.svc:8080
            scenarios:
              - name: browse
                model: open
                stages: [{ duration: 1m, rate: 2000 }]
                connections: 64
                requests:
                  - { name: product, path: "/products/${random:1..1000}" }
            """.write(toFile: "\(directory)/shop.yaml", atomically: true, encoding: .utf8)
        let manifest = "\(directory)/job.yaml"
        let run = try LoadBinaryRunner.run(
            ["k8s", "manifest", "\(directory)/shop.yaml", "--shards", "4", "--image", "registry.example.com/tuner:1",
             "--namespace", "load", "--name", "shop-load", "-o", manifest, "--", "--threshold", "p99 < 200ms",
             // A number as an argument must stay a string (Kubernetes refuses `- 64` in a container's args).
             "--connections", "64"])
        #expect(run.status == 0, "\(run.stderr)")
        let validator = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/venv/bin/kubernetes-validate").path
        #expect(FileManager.default.isExecutableFile(atPath: validator), "kubernetes-validate missing: make test installs it into .build/venv")
        let report = try TestProgram.run(validator, ["--strict", manifest])
        let lines = report.lowercased().split(separator: "\n")
        #expect(lines.filter { $0.contains("passed for resource") }.count == 2, "the ConfigMap and the Job: \(report)")
        #expect(!lines.contains { $0.contains("failed") || $0.contains("error") || $0.contains("warn") }, "\(report)")
        let yaml = try String(contentsOfFile: manifest, encoding: .utf8)
        for line in ["kind: ConfigMap", "kind: Job", "completionMode: Indexed", "completions: 4", "parallelism: 4",
                     "backoffLimit: 0", "namespace: load", "image: registry.example.com/tuner:1", "$(SHARD_INDEX)/4",
                     "path: /ready", "rate: 2000"] {
            #expect(yaml.contains(line), "'\(line)' missing from:\n\(yaml)")
        }
        // A malformed run is refused before anything is written or applied.
        let bad = try LoadBinaryRunner.run(["k8s", "manifest", "\(directory)/shop.yaml", "--shards", "100", "--", "--json", "x"])
        #expect(bad.status == 64 && bad.stderr.contains("--json is set for each shard"), "\(bad.stderr)")
        let tooFew = try LoadBinaryRunner.run(["k8s", "manifest", "\(directory)/shop.yaml", "--shards", "100"])
        #expect(tooFew.status == 64 && tooFew.stderr.contains("fewer than the 100 shards"), "\(tooFew.stderr)")
    }
}
