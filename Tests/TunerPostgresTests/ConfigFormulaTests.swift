import Testing
import TunerCore

@testable import TunerPostgres

/// pgtune's formulas, case by case. Expected values are pgtune's own spec cases
/// (`src/features/configuration/__tests__/configurationSlice.test.js`) or worked by hand from its formulas.
@Suite struct ConfigFormulaTests {
    static func tune(_ memory: ByteSize = .gigabytes(16), cpus: Int? = nil, connections: Int? = nil,
                     storage: StorageType = .ssd, type: DatabaseType = .web, version: Int = 18,
                     os: OperatingSystem = .linux, dataSize: DataSize = .ramTo3x) throws -> PGTune {
        PGTune(try ConfigurationInputs(memory: memory, cpus: cpus, connections: connections, storage: storage,
                                       databaseType: type, postgresVersion: version, operatingSystem: os,
                                       dataSize: dataSize))
    }

    @Test(arguments: [(DatabaseType.web, 200), (.oltp, 300), (.dw, 40), (.desktop, 20), (.mixed, 100)])
    func maxConnectionsDefaultsPerType(type: DatabaseType, expected: Int) throws {
        #expect(try Self.tune(type: type).maxConnections == expected)
        #expect(try Self.tune(connections: 55, type: type).maxConnections == 55)
    }

    @Test(arguments: [(DatabaseType.web, 100), (.oltp, 100), (.dw, 500), (.desktop, 100), (.mixed, 100)])
    func defaultStatisticsTarget(type: DatabaseType, expected: Int) throws {
        #expect(try Self.tune(type: type).defaultStatisticsTarget == expected)
    }

    @Test func randomPageCostByStorageAndDataSize() throws {
        #expect(try Self.tune(storage: .hdd).randomPageCost == "4")
        #expect(try Self.tune(storage: .ssd).randomPageCost == "1.1")
        #expect(try Self.tune(storage: .san).randomPageCost == "1.1")
        #expect(try Self.tune(storage: .nvme).randomPageCost == "1.1")
        // Data that fits in RAM makes seeks irrelevant, even on hdd.
        #expect(try Self.tune(storage: .hdd, dataSize: .lessThanRAM).randomPageCost == "1.1")
        // A data warehouse larger than RAM keeps PostgreSQL's default against index-scan misplans.
        #expect(try Self.tune(storage: .nvme, type: .dw).randomPageCost == "4")
        #expect(try Self.tune(storage: .ssd, type: .dw, dataSize: .moreThan3xRAM).randomPageCost == "4")
        #expect(try Self.tune(storage: .ssd, type: .dw, dataSize: .lessThanRAM).randomPageCost == "1.1")
    }

    @Test func effectiveIOConcurrencyOnlyOnLinux() throws {
        #expect(try Self.tune(storage: .hdd).effectiveIOConcurrency == 2)
        #expect(try Self.tune(storage: .ssd).effectiveIOConcurrency == 200)
        #expect(try Self.tune(storage: .san).effectiveIOConcurrency == 300)
        #expect(try Self.tune(storage: .nvme).effectiveIOConcurrency == 1000)
        #expect(try Self.tune(storage: .ssd, os: .windows).effectiveIOConcurrency == nil)
        #expect(try Self.tune(storage: .ssd, os: .mac).effectiveIOConcurrency == nil)
    }

    @Test func parallelSettingsFollowPgtuneSpec() throws {
        func pairs(_ t: PGTune) -> [String] { t.parallelSettings.map { "\($0.name)=\($0.value)" } }
        #expect(try pairs(Self.tune(cpus: 1, version: 14)).isEmpty)
        #expect(try pairs(Self.tune(cpus: 3)).isEmpty)
        #expect(try pairs(Self.tune(cpus: nil)).isEmpty)
        #expect(try pairs(Self.tune(cpus: 12, version: 13)) == [
            "max_worker_processes=12", "max_parallel_workers_per_gather=4", "max_parallel_workers=12",
            "max_parallel_maintenance_workers=4",
        ])
        #expect(try pairs(Self.tune(cpus: 12, version: 10)) == [
            "max_worker_processes=12", "max_parallel_workers_per_gather=4", "max_parallel_workers=12",
        ])
        #expect(try pairs(Self.tune(cpus: 31, version: 10)) == [
            "max_worker_processes=31", "max_parallel_workers_per_gather=4", "max_parallel_workers=31",
        ])
        #expect(try pairs(Self.tune(cpus: 31, type: .dw, version: 12)) == [
            "max_worker_processes=31", "max_parallel_workers_per_gather=16", "max_parallel_workers=31",
            "max_parallel_maintenance_workers=4",
        ])
        #expect(try pairs(Self.tune(cpus: 5)) == [
            "max_worker_processes=5", "max_parallel_workers_per_gather=3", "max_parallel_workers=5",
            "max_parallel_maintenance_workers=3",
        ])
    }

    @Test func walLevelOnlyForDesktop() throws {
        #expect(try Self.tune(type: .desktop).walLevelSettings.map { "\($0.name)=\($0.value)" }
            == ["wal_level=minimal", "max_wal_senders=0"])
        #expect(try Self.tune(type: .web).walLevelSettings.isEmpty)
    }

    @Test func maintenanceWorkMemCaps() throws {
        #expect(try Self.tune(.gigabytes(256), version: 17).maintenanceWorkMemKB == 8_388_608)
        #expect(try Self.tune(.gigabytes(256), version: 17, os: .windows).maintenanceWorkMemKB == 2_096_128)
        #expect(try Self.tune(.gigabytes(256), version: 18, os: .windows).maintenanceWorkMemKB == 8_388_608)
        #expect(try Self.tune(.gigabytes(16), version: 15).maintenanceWorkMemKB == 1_048_576)
        // Exactly at the Windows limit: 32GB / 16 = 2GB, which PostgreSQL ≤ 17 on Windows rejects.
        #expect(try Self.tune(.gigabytes(32), version: 16, os: .windows).maintenanceWorkMemKB == 2_096_128)
        #expect(try Self.tune(.gigabytes(16), type: .dw).maintenanceWorkMemKB == 2_097_152)
    }

    @Test func hugePages() throws {
        #expect(try Self.tune(.gigabytes(4), version: 15).hugePages == "off")
        #expect(try Self.tune(.gigabytes(16), version: 15).hugePages == "try")
        #expect(try Self.tune(.gigabytes(128), version: 15, os: .mac).hugePages == "off")
        // Exactly 2GB of shared_buffers is enough; desktop takes 1/16 of RAM, so 16GB is not.
        #expect(try Self.tune(.gigabytes(8)).hugePages == "try")
        #expect(try Self.tune(.gigabytes(16), type: .desktop).hugePages == "off")
    }

    @Test func workMemFloorAndWindowsCap() throws {
        #expect(try Self.tune(.gigabytes(4), cpus: 4, connections: 9999, version: 15).workMemKB == 4096)
        #expect(try Self.tune(.gigabytes(256), cpus: 4, connections: 20, version: 17, os: .windows).workMemKB
            == 2_096_128)
        #expect(try Self.tune(.gigabytes(256), cpus: 4, connections: 20, version: 18, os: .windows).workMemKB
            == 2_796_202)
    }

    @Test func workMemDividesByWorkersAndType() throws {
        // (16GB − 4GB) / ((200 + 4) × 3) = 12582912 / 612 = 20560.3
        #expect(try Self.tune(cpus: 4).workMemKB == 20560)
        // No CPU count (or fewer than 4): pgtune divides by PostgreSQL's default 8 workers: 12582912 / 624.
        #expect(try Self.tune(cpus: nil).workMemKB == 20164)
        #expect(try Self.tune(cpus: 1).workMemKB == 20164)
        // oltp: 300 connections; dw: 40 and halved; mixed: 100 and halved; desktop: 20, RAM/16, sixth.
        #expect(try Self.tune(cpus: 4, type: .oltp).workMemKB == 13797)  // 12582912 / 912
        #expect(try Self.tune(cpus: 4, type: .dw).workMemKB == 47662)  // 12582912 / 132 / 2
        #expect(try Self.tune(cpus: 4, type: .mixed).workMemKB == 20164)  // 12582912 / 312 / 2
        #expect(try Self.tune(cpus: 4, type: .desktop).workMemKB == 36408)  // 15728640 / 72 / 6
    }

    @Test func workMemDataSizeAdjustments() throws {
        #expect(try Self.tune(cpus: 4, dataSize: .lessThanRAM).workMemKB == 26728)  // 20560 × 1.3
        #expect(try Self.tune(cpus: 4, dataSize: .moreThan3xRAM).workMemKB == 18504)  // 20560 × 0.9
        // The 4MB floor applies after the adjustment.
        #expect(try Self.tune(.gigabytes(4), cpus: 4, connections: 9999, dataSize: .moreThan3xRAM).workMemKB == 4096)
        // 1GB, 200 connections: 786432 / 624 = 1260 → 1638 with +30%, still under the 4MB floor.
        #expect(try Self.tune(.gigabytes(1), dataSize: .lessThanRAM).workMemKB == 4096)
    }

    @Test func walBuffersRounding() throws {
        // 2GB RAM → shared_buffers 512MB → 3% = 15728kB, between 14MB and 16MB: rounded up to 16MB.
        #expect(try Self.tune(.gigabytes(2)).walBuffersKB == 16384)
        // 1GB → shared_buffers 256MB → 3% = 7864kB.
        #expect(try Self.tune(.gigabytes(1)).walBuffersKB == 7864)
        // 64GB → 3% of 16GB is far above the 16MB cap.
        #expect(try Self.tune(.gigabytes(64)).walBuffersKB == 16384)
        // 1900MB → shared_buffers 475MB → 3% = 14592kB (just above 14MB) → 16MB.
        #expect(try Self.tune(.megabytes(1900)).walBuffersKB == 16384)
        // 1800MB → 450MB → 13824kB, below 14MB: kept.
        #expect(try Self.tune(.megabytes(1800)).walBuffersKB == 13824)
        // 16MB desktop → shared_buffers 1MB → 30kB → the 32kB minimum.
        #expect(try Self.tune(.megabytes(16), type: .desktop).walBuffersKB == 32)
    }

    @Test func jitWalCompressionAndAutovacuum() throws {
        #expect(try Self.tune(type: .web, version: 12).jit == "off")
        #expect(try Self.tune(type: .oltp, version: 15).jit == "off")
        #expect(try Self.tune(type: .mixed, version: 18).jit == "off")
        #expect(try Self.tune(type: .dw, version: 15).jit == nil)
        #expect(try Self.tune(type: .desktop, version: 15).jit == nil)
        #expect(try Self.tune(type: .web, version: 11).jit == nil)
        #expect(try Self.tune(version: 10).walCompression == "on")
        #expect(try Self.tune(version: 14).walCompression == "on")
        #expect(try Self.tune(version: 15).walCompression == "lz4")
        #expect(try Self.tune(version: 17).walCompression == "lz4")
        #expect(try Self.tune(cpus: 32).autovacuumMaxWorkers == 5)
        #expect(try Self.tune(cpus: 16).autovacuumMaxWorkers == 4)
        #expect(try Self.tune(cpus: 8).autovacuumMaxWorkers == nil)
        #expect(try Self.tune(cpus: nil).autovacuumMaxWorkers == nil)
    }

    @Test func autovacuumWorkMem() throws {
        #expect(try Self.tune(.gigabytes(4), version: 15).autovacuumWorkMemKB == nil)
        #expect(try Self.tune(.gigabytes(256), version: 15).autovacuumWorkMemKB == 2_097_152)
        #expect(try Self.tune(.gigabytes(256), version: 17, os: .windows).autovacuumWorkMemKB == nil)
        #expect(try Self.tune(.gigabytes(256), version: 18, os: .windows).autovacuumWorkMemKB == 2_097_152)
    }

    @Test func ioWorkersAndMethod() throws {
        #expect(try Self.tune(cpus: 32, version: 17, os: .mac).ioWorkers == nil)
        #expect(try Self.tune(cpus: nil, version: 18, os: .mac).ioWorkers == nil)
        #expect(try Self.tune(cpus: 8, version: 18, os: .mac).ioWorkers == nil)
        #expect(try Self.tune(cpus: 32, version: 18, os: .mac).ioWorkers == 8)
        #expect(try Self.tune(cpus: 64, version: 18, os: .windows).ioWorkers == 16)
        #expect(try Self.tune(cpus: 256, version: 18, os: .mac).ioWorkers == 32)
        // Linux gets io_method = io_uring, which runs no I/O workers: pgtune leaves io_workers out (#142).
        #expect(try Self.tune(cpus: 256, version: 18, os: .linux).ioWorkers == nil)
        #expect(try Self.tune(version: 17).ioMethod == nil)
        #expect(try Self.tune(version: 18).ioMethod == "io_uring")
        #expect(try Self.tune(version: 18, os: .windows).ioMethod == "worker")
        #expect(try Self.tune(version: 18, os: .mac).ioMethod == "worker")
    }

    @Test func warningsFollowPgtuneSpec() throws {
        #expect(try Self.tune(.gigabytes(4), version: 14).warnings.isEmpty)
        #expect(try Self.tune(.megabytes(128), version: 14).warnings
            == ["this tool not being optimal for low memory systems"])
        #expect(try Self.tune(.gigabytes(256), version: 14).warnings
            == ["this tool not being optimal for very high memory systems"])
        #expect(try Self.tune(.gigabytes(4), version: 15).warnings
            == ["wal_compression = lz4 requires PostgreSQL to be compiled with --with-lz4"])
        #expect(try Self.tune(.gigabytes(4), version: 18).warnings == [
            "wal_compression = lz4 requires PostgreSQL to be compiled with --with-lz4",
            "io_method = io_uring requires PostgreSQL to be compiled with --with-liburing",
        ])
        let dw = try Self.tune(storage: .nvme, type: .dw, version: 14).warnings
        #expect(dw.count == 1 && dw[0].hasPrefix("Cost parameters for Data Warehouses on NVMe drives"))
        #expect(try Self.tune(storage: .hdd, type: .dw, version: 14).warnings.isEmpty)
        #expect(try Self.tune(storage: .ssd, type: .dw, version: 14, dataSize: .lessThanRAM).warnings.isEmpty)
    }

    @Test func walSizesPerType() throws {
        let expected: [DatabaseType: (String, String)] = [
            .web: ("1GB", "4GB"), .oltp: ("2GB", "8GB"), .dw: ("4GB", "16GB"), .desktop: ("100MB", "2GB"),
            .mixed: ("1GB", "4GB"),
        ]
        for (type, sizes) in expected {
            let recommendation = try ConfigurationRecommendation(
                ConfigurationInputs(memory: .gigabytes(16), databaseType: type))
            #expect(recommendation["min_wal_size"] == sizes.0, "\(type)")
            #expect(recommendation["max_wal_size"] == sizes.1, "\(type)")
        }
    }

    @Test func memoryRenderingMatchesPgtune() {
        #expect(ConfigurationRecommendation.kb(1_048_576) == "1GB")
        #expect(ConfigurationRecommendation.kb(12_582_912) == "12GB")
        #expect(ConfigurationRecommendation.kb(1_572_864) == "1536MB")
        #expect(ConfigurationRecommendation.kb(102_400) == "100MB")
        #expect(ConfigurationRecommendation.kb(20560) == "20560kB")
        #expect(ConfigurationRecommendation.kb(2_096_128) == "2047MB")
        #expect(ConfigurationRecommendation.kb(32) == "32kB")
        // pgtune's formatValue takes `value % unit === 0`, so zero and negative whole units render as it does.
        #expect(ByteSize(bytes: 0).description == "0GB")
        #expect(ByteSize.gigabytes(-1).description == "-1GB")
        #expect(ByteSize.kilobytes(-1).description == "-1kB")
        #expect(ByteSize(bytes: 1500).description == "1500B")
    }
}
