import EmbeddedPostgres
import Foundation
import Testing
import TunerCore

@testable import TunerPostgres

/// The recommendation against a real PostgreSQL: the diff, the role that cannot read, and `--apply`.
///
/// `ALTER SYSTEM` changes the whole cluster, so every test starts its own.
@Suite(.serialized) struct ConfigLiveDiffTests {
    static func recommendation(version: Int = 15) throws -> ConfigurationRecommendation {
        ConfigurationRecommendation(try ConfigurationInputs(memory: .gigabytes(16), cpus: 4, postgresVersion: version))
    }

    static func settings(_ url: String) throws -> ConnectionSettings {
        var settings = try ConnectionSettings(url: url)
        settings.sslMode = .disable
        return settings
    }

    @Test func diffShowsOnlyWhatDiffersWithUnitSourceAndRestart() async throws {
        // Plant two settings already at pgtune's values: they must not be reported as differences.
        let options = EmbeddedCluster.Options(settings: ["random_page_cost": "1.1", "work_mem": "'20560kB'"])
        try await EmbeddedCluster.withCluster(options) { cluster in
            let recommendation = try Self.recommendation(version: 18)
            let diff = try await LiveSettingsDiff.compare(recommendation, at: try Self.settings(cluster.url))
            #expect(diff.serverMajorVersion == 15)
            #expect(diff.pgSettingsReadable)
            #expect(diff.matching.contains("random_page_cost"))
            #expect(diff.matching.contains("work_mem"))
            #expect(diff.matching.contains("checkpoint_completion_target"))  // PostgreSQL 14+'s own default
            #expect(!diff.differences.contains { $0.name == "random_page_cost" || $0.name == "work_mem" })
            // PostgreSQL 15 has no asynchronous I/O settings.
            #expect(diff.notSupported == ["io_method"])
            #expect(diff.notReadable.isEmpty)
            let shared = try #require(diff.differences.first { $0.name == "shared_buffers" })
            #expect(shared.live == "128MB")
            #expect(shared.recommended == "4GB")
            #expect(shared.unit == "8kB")
            #expect(shared.source == "configuration file")
            #expect(shared.needsRestart)
            let cost = try #require(diff.differences.first { $0.name == "effective_io_concurrency" })
            #expect(cost.live == "1" && cost.recommended == "200" && !cost.needsRestart && cost.unit == nil)
            #expect(diff.differences.count + diff.matching.count + diff.notSupported.count
                == recommendation.settings.count)
            for difference in diff.differences {
                let shown = try await cluster.psql("SHOW \(difference.name)")
                #expect(shown.trimmingCharacters(in: .whitespacesAndNewlines) == difference.live)
                #expect(!SettingValue.equal(difference.live, difference.recommended))
            }
            let text = diff.text(server: cluster.url)
            #expect(text.contains("not supported by PostgreSQL 15: io_method"))
            #expect(text.contains("shared_buffers"))
        }
    }

    @Test func roleThatCannotReadSaysWhichSettings() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("hardened")
            try await cluster.psql("""
                CREATE ROLE limited LOGIN;
                REVOKE SELECT ON pg_catalog.pg_settings FROM PUBLIC;
                """, database: "hardened")
            var settings = try Self.settings(url)
            settings.user = "limited"
            let base = try Self.recommendation()
            // data_directory is superuser-only: a role without pg_read_all_settings may not read it.
            let planted = ConfigurationRecommendation(
                inputs: base.inputs,
                settings: base.settings + [RecommendedSetting(name: "data_directory", value: "/x", reason: "test")])
            let diff = try await LiveSettingsDiff.compare(planted, at: settings)
            #expect(!diff.pgSettingsReadable)
            #expect(diff.notReadable == ["data_directory"])
            // Values still come from current_setting; restart needs from PostgreSQL's documented list.
            let shared = try #require(diff.differences.first { $0.name == "shared_buffers" })
            #expect(shared.live == "128MB" && shared.unit == nil && shared.source == nil && shared.needsRestart)
            #expect(diff.text(server: url).contains("not readable by this role: data_directory"))

            try await cluster.psql("GRANT pg_read_all_settings TO limited", database: "hardened")
            let granted = try await LiveSettingsDiff.compare(planted, at: settings)
            #expect(granted.notReadable.isEmpty)
        }
    }

    @Test func applyWritesReloadsAndSaysWhatWaitsForRestart() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let recommendation = try Self.recommendation()
            let settings = try Self.settings(cluster.url)
            let (diff, result) = try await SettingsApplier.apply(recommendation, at: settings)
            #expect(!diff.differences.isEmpty)
            #expect(result.failed.isEmpty, "\(result.failed)")
            #expect(result.notInEffect.isEmpty)
            let restartNames = Set(diff.differences.filter(\.needsRestart).map(\.name))
            #expect(Set(result.waitingForRestart) == restartNames)
            #expect(restartNames.isSuperset(of: ["shared_buffers", "max_connections", "max_worker_processes"]))
            #expect(Set(result.inEffect) == Set(diff.differences.map(\.name)).subtracting(restartNames))
            #expect(result.inEffect.contains("work_mem"))
            // Another session sees the reloaded values and the pending restart.
            let workMem = try await cluster.psql("SHOW work_mem")
            #expect(workMem.trimmingCharacters(in: .whitespacesAndNewlines) == recommendation["work_mem"])
            let pending = try await cluster.psql(
                "SELECT pending_restart FROM pg_settings WHERE name = 'shared_buffers'")
            #expect(pending.trimmingCharacters(in: .whitespacesAndNewlines) == "t")
            let auto = try String(contentsOfFile: cluster.dataDirectory + "/postgresql.auto.conf", encoding: .utf8)
            #expect(auto.contains("shared_buffers = '4GB'"))
            // Compared again, only the settings waiting for the restart still differ.
            let again = try await LiveSettingsDiff.compare(recommendation, at: settings)
            #expect(Set(again.differences.map(\.name)) == restartNames)
            #expect(result.text.contains("waiting for a server restart"))
        }
    }

    @Test func applyReportsWhatTheServerRefuses() async throws {
        try await EmbeddedCluster.withCluster { cluster in
            let url = try await cluster.createDatabase("refusing")
            try await cluster.psql("CREATE ROLE plain LOGIN", database: "refusing")
            var settings = try Self.settings(url)
            settings.user = "plain"
            let (diff, result) = try await SettingsApplier.apply(try Self.recommendation(), at: settings)
            #expect(!diff.differences.isEmpty)
            #expect(result.failed.map(\.name) == diff.differences.map(\.name))
            #expect(result.failed.allSatisfy {
                $0.message.contains("permission denied") || $0.message.contains("must be superuser")
            })
            #expect(result.inEffect.isEmpty && result.waitingForRestart.isEmpty)
        }
    }

    @Test func settingValuesCompareAsPostgresMeansThem() {
        #expect(SettingValue.equal("1GB", "1024MB"))
        #expect(SettingValue.equal("4", "4.0"))
        #expect(SettingValue.equal("on", "true"))
        #expect(SettingValue.equal("0", "off"))
        #expect(SettingValue.equal("LZ4", "lz4"))
        #expect(!SettingValue.equal("-1", "16MB"))
        #expect(!SettingValue.equal("200", "2000"))
        #expect(!SettingValue.equal("pglz", "lz4"))
    }
}
