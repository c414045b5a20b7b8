import Foundation
import Testing
import TunerCore

@testable import TunerPostgres

/// tuner's settings against pgtune's own output. `Fixtures/pgtune-parity.json` holds what pgtune's code
/// (le0pard/pgtune at the commit named in the fixture) writes into postgresql.conf for 1,900 inputs, the
/// hand-picked edge cases first; `Fixtures/pgtune-parity.README.md` says how it was generated and how to
/// regenerate it when pgtune changes.
@Suite struct PgtuneParityTests {
    struct Fixture: Decodable {
        struct Source: Decodable {
            let repository: String
            let commit: String
            let date: String
        }

        /// One input combination, in tuner's names for the inputs, and pgtune's settings for it.
        struct Case: Decodable {
            /// Why a hand-picked case is there; random cases have none.
            let note: String?
            /// As pgtune's form takes it: a whole number of MB, GB or TB (`1536MB`, `16GB`, `2TB`).
            let memory: String
            let cpus: Int?
            let connections: Int?
            let storage: String
            let dbType: String
            let pgVersion: Int
            let os: String
            let dataSize: String
            /// name → value exactly as pgtune writes it in postgresql.conf (`4GB`, `20560kB`, `1.1`, `off`).
            let settings: [String: String]
            /// The settings pgtune leaves out for these inputs.
            let absent: [String]

            var summary: String {
                let inputs: [String] = [
                    "memory \(memory)", cpus.map { "cpus \($0)" } ?? "no cpus",
                    connections.map { "connections \($0)" } ?? "default connections",
                    storage, dbType, "PostgreSQL \(pgVersion)", os, dataSize,
                ]
                return inputs.joined(separator: ", ") + (note.map { " (\($0))" } ?? "")
            }
        }

        let pgtune: Source
        let seed: Int
        /// Every setting pgtune emitted in some case.
        let settingNames: [String]
        let cases: [Case]
    }

    static func loadFixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/pgtune-parity.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    static func inputs(_ c: Fixture.Case) throws -> ConfigurationInputs {
        try ConfigurationInputs(
            memory: ByteSize(parsing: c.memory), cpus: c.cpus, connections: c.connections,
            storage: StorageType.parse(c.storage, option: "storage"),
            databaseType: DatabaseType.parse(c.dbType, option: "dbType"), postgresVersion: c.pgVersion,
            operatingSystem: OperatingSystem.parse(c.os, option: "os"),
            dataSize: DataSize.parse(c.dataSize, option: "dataSize"))
    }

    /// `name: pgtune X, tuner Y` for each setting that differs, a missing one as `absent`.
    static func differences(pgtune: [String: String], tuner: [String: String]) -> [String] {
        Set(pgtune.keys).union(tuner.keys).sorted().compactMap { name -> String? in
            let expected = pgtune[name]
            let actual = tuner[name]
            guard expected != actual else { return nil }
            return "\(name): pgtune \(expected ?? "absent"), tuner \(actual ?? "absent")"
        }
    }

    /// Every case, every setting: the same names and the same strings, nothing more. One failure lists the
    /// first mismatching cases with their inputs instead of one failure per setting.
    @Test func everySettingMatchesPgtune() throws {
        let fixture = try Self.loadFixture()
        #expect(fixture.cases.count == 1_900)
        #expect(fixture.settingNames.count == 25)
        let allNames = Set(fixture.settingNames)
        var mismatches: [String] = []
        for c in fixture.cases {
            let present = Set(c.settings.keys)
            guard present.union(c.absent) == allNames, present.isDisjoint(with: c.absent) else {
                mismatches.append("\(c.summary): the fixture's settings and absent do not split its settingNames")
                continue
            }
            let tuner: [String: String]
            do {
                tuner = ConfigurationRecommendation(try Self.inputs(c)).values
            } catch {
                mismatches.append("\(c.summary): tuner refuses these inputs: \(error)")
                continue
            }
            let differences = Self.differences(pgtune: c.settings, tuner: tuner)
            if !differences.isEmpty {
                mismatches.append("\(c.summary): \(differences.joined(separator: "; "))")
            }
        }
        #expect(mismatches.isEmpty, """
            \(mismatches.count) of \(fixture.cases.count) cases differ from pgtune \(fixture.pgtune.commit); \
            the first \(min(mismatches.count, 5)):
            \(mismatches.prefix(5).joined(separator: "\n"))
            """)
    }

    /// The bug the fixture first caught: on Linux, PostgreSQL 18 gets io_uring and no io_workers.
    @Test func linuxPostgres18GetsIOUringWithoutIOWorkers() throws {
        let fixture = try Self.loadFixture()
        let linux18 = fixture.cases.filter { $0.os == "linux" && $0.pgVersion == 18 && ($0.cpus ?? 0) >= 16 }
        #expect(!linux18.isEmpty)
        for c in linux18 {
            #expect(c.settings["io_method"] == "io_uring" && c.absent.contains("io_workers"), "\(c.summary)")
            let recommendation = ConfigurationRecommendation(try Self.inputs(c))
            #expect(recommendation["io_workers"] == nil, "\(c.summary)")
        }
    }

    /// pgtune's form refuses fewer than 20 connections; so does tuner.
    @Test(arguments: [0, 1, 19])
    func connectionsBelowTwentyAreRefused(connections: Int) {
        #expect(throws: ParseError.self) {
            try ConfigurationInputs(memory: .gigabytes(8), connections: connections)
        }
    }

    @Test func twentyConnectionsAreAccepted() throws {
        let inputs = try ConfigurationInputs(memory: .gigabytes(8), connections: 20)
        #expect(PGTune(inputs).maxConnections == 20)
    }

    /// pgtune's form takes up to 999999 of its largest unit, TB.
    @Test func memoryUpTo999999TerabytesAsPgtunesForm() throws {
        let largest = try ConfigurationInputs(memory: ByteSize(parsing: "999999TB"))
        #expect(largest.memory == ConfigurationInputs.maximumMemory)
        #expect(throws: ParseError.self) {
            try ConfigurationInputs(memory: ByteSize(bytes: ConfigurationInputs.maximumMemory.bytes + 1024))
        }
    }
}
