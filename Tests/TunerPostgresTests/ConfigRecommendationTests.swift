import Foundation
import Testing
import TunerCore

@testable import TunerPostgres

/// The whole recommendation: pgtune's order, what it leaves out, the three output formats, bad input.
@Suite struct ConfigRecommendationTests {
    /// 16GB, 4 CPUs, web, ssd, Linux, PostgreSQL 18: every value worked out by hand from pgtune's formulas.
    @Test func sixteenGigabyteWebServerOnPostgres18() throws {
        let recommendation = ConfigurationRecommendation(try ConfigurationInputs(memory: .gigabytes(16), cpus: 4))
        let expected: [(String, String)] = [
            ("max_connections", "200"), ("shared_buffers", "4GB"), ("effective_cache_size", "12GB"),
            ("maintenance_work_mem", "1GB"), ("checkpoint_completion_target", "0.9"), ("wal_buffers", "16MB"),
            ("default_statistics_target", "100"), ("random_page_cost", "1.1"), ("effective_io_concurrency", "200"),
            ("work_mem", "20560kB"), ("huge_pages", "try"), ("jit", "off"), ("wal_compression", "lz4"),
            ("io_method", "io_uring"), ("min_wal_size", "1GB"), ("max_wal_size", "4GB"),
            ("max_worker_processes", "4"), ("max_parallel_workers_per_gather", "2"), ("max_parallel_workers", "4"),
            ("max_parallel_maintenance_workers", "2"),
        ]
        #expect(recommendation.settings.map { "\($0.name) = \($0.value)" } == expected.map { "\($0.0) = \($0.1)" })
        #expect(recommendation.settings.allSatisfy { !$0.reason.isEmpty })
        // 4 CPUs: pgtune lowers max_worker_processes below PostgreSQL's 8, tuner keeps parity and notes it.
        #expect(recommendation.notes.count == 1 && recommendation.notes[0].contains("max_worker_processes = 4"))
    }

    @Test func settingsPgtuneLeavesOutAreAbsent() throws {
        let dw = ConfigurationRecommendation(try ConfigurationInputs(
            memory: .gigabytes(8), storage: .hdd, databaseType: .dw, postgresVersion: 17, operatingSystem: .windows))
        for absent in ["jit", "io_method", "io_workers", "effective_io_concurrency", "max_worker_processes",
                       "autovacuum_max_workers", "autovacuum_work_mem", "wal_level"] {
            #expect(dw[absent] == nil, "\(absent)")
        }
        let desktop = ConfigurationRecommendation(try ConfigurationInputs(memory: .gigabytes(8), databaseType: .desktop))
        #expect(desktop["wal_level"] == "minimal")
        #expect(desktop["max_wal_senders"] == "0")
        #expect(desktop.settings.suffix(2).map(\.name) == ["wal_level", "max_wal_senders"])
        let big = ConfigurationRecommendation(try ConfigurationInputs(memory: .gigabytes(512), cpus: 64))
        #expect(big["autovacuum_max_workers"] == "5")
        #expect(big["autovacuum_work_mem"] == "2GB")
        #expect(big["io_method"] == "io_uring")
        #expect(big["io_workers"] == nil)  // io_uring runs no I/O workers
        #expect(big["maintenance_work_mem"] == "8GB")
        let bigWindows = ConfigurationRecommendation(
            try ConfigurationInputs(memory: .gigabytes(512), cpus: 64, operatingSystem: .windows))
        #expect(bigWindows["io_method"] == "worker")
        #expect(bigWindows["io_workers"] == "16")
    }

    @Test(arguments: [10, 11, 12, 13, 14, 15, 16, 17, 18])
    func versionDependentSettings(version: Int) throws {
        let recommendation = ConfigurationRecommendation(
            try ConfigurationInputs(memory: .gigabytes(32), cpus: 8, postgresVersion: version))
        #expect((recommendation["max_parallel_maintenance_workers"] != nil) == (version >= 11))
        #expect(recommendation["jit"] == (version >= 12 ? "off" : nil))
        #expect(recommendation["wal_compression"] == (version >= 15 ? "lz4" : "on"))
        #expect(recommendation["io_method"] == (version >= 18 ? "io_uring" : nil))
        #expect(recommendation["max_parallel_workers"] == "8")
    }

    @Test func jsonHasExactlyInputsSettingsWarningsWithStringValues() throws {
        let recommendation = ConfigurationRecommendation(try ConfigurationInputs(memory: .gigabytes(16), cpus: 4))
        let text = recommendation.json(sources: ["cpus": "cgroup v2 cpu.max"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["inputs", "settings", "warnings"])
        let settings = try #require(object["settings"] as? [String: Any])
        #expect(settings.count == recommendation.settings.count)
        #expect(settings.values.allSatisfy { $0 is String })
        #expect(settings["shared_buffers"] as? String == "4GB")
        #expect(settings["random_page_cost"] as? String == "1.1")
        #expect(settings["autovacuum_max_workers"] == nil)
        let inputs = try #require(object["inputs"] as? [String: Any])
        #expect(inputs["memory"] as? String == "16GB")
        #expect(inputs["cpus_source"] as? String == "cgroup v2 cpu.max")
        #expect(inputs["data_size"] as? String == "ram-to-3x")
        #expect((object["warnings"] as? [String])?.count == 2)
    }

    @Test func confLinesCarryReasonsAndParseBack() throws {
        let recommendation = ConfigurationRecommendation(try ConfigurationInputs(
            memory: .gigabytes(64), cpus: 16, storage: .nvme, databaseType: .oltp, dataSize: .lessThanRAM))
        let conf = recommendation.postgresqlConf(sources: ["memory": "/proc/meminfo MemTotal"])
        var parsed: [String: String] = [:]
        for line in conf.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "#", maxSplits: 1)
            #expect(parts.count == 2, "every setting line has a reason: \(line)")
            let assignment = parts[0].split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            parsed[assignment[0]] = assignment[1]
        }
        #expect(parsed == recommendation.values)
        #expect(conf.contains("(detected: /proc/meminfo MemTotal)"))
        #expect(conf.contains("io_method = io_uring requires PostgreSQL"))
    }

    @Test func sqlQuotesEveryValue() throws {
        let recommendation = ConfigurationRecommendation(try ConfigurationInputs(memory: .gigabytes(2)))
        let statements = recommendation.alterSystemSQL().split(separator: "\n").filter { $0.hasPrefix("ALTER SYSTEM") }
        #expect(statements.count == recommendation.settings.count)
        #expect(statements.contains { $0.hasPrefix("ALTER SYSTEM SET shared_buffers = '512MB';") })
        #expect(ConfigurationRecommendation.sqlLiteral("it's") == "'it''s'")
    }

    @Test func badInputSaysWhatIsAccepted() throws {
        #expect(throws: ParseError.self) { try ConfigurationInputs(memory: .megabytes(8)) }
        #expect(throws: ParseError.self) { try ConfigurationInputs(memory: .gigabytes(8), postgresVersion: 9) }
        #expect(throws: ParseError.self) { try ConfigurationInputs(memory: .gigabytes(8), postgresVersion: 19) }
        #expect(throws: ParseError.self) { try ConfigurationInputs(memory: .gigabytes(8), cpus: 0) }
        #expect(throws: ParseError.self) { try ConfigurationInputs(memory: .gigabytes(8), connections: 19) }
        do {
            _ = try StorageType.parse("floppy", option: "--storage")
            Issue.record("floppy accepted")
        } catch {
            #expect(error.description == "unknown --storage 'floppy'; accepted: hdd, ssd, san, nvme")
        }
        #expect(try DataSize.parse("MORE-THAN-3X-RAM", option: "--data-size") == .moreThan3xRAM)
    }
}
