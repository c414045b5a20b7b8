import TunerCore

/// pgtune's formulas (le0pard/pgtune `src/features/configuration/configurationSlice.js` at commit 7caef27,
/// 2026-07-30: nvme storage, the data-size input, io_workers only beside io_method = worker), ported one
/// selector per property. `PgtuneParityTests` holds the port to that code: a fixture of pgtune's own output
/// for 1,900 inputs (`Tests/TunerPostgresTests/Fixtures/pgtune-parity.README.md` says how it is made).
///
/// Memory values are in kB, as pgtune computes them. Each returns `nil` where pgtune leaves the setting out.
/// Integer division stands for pgtune's `Math.floor` of a positive quotient; `work_mem` keeps pgtune's
/// floating-point steps so that its 1.3 and 0.9 factors round exactly as JavaScript rounds them.
public struct PGTune: Sendable {
    public let inputs: ConfigurationInputs

    public init(_ inputs: ConfigurationInputs) { self.inputs = inputs }

    static let kbPerMB: Int64 = 1024
    static let kbPerGB: Int64 = 1024 * 1024
    /// pgtune's stand-in for `max_worker_processes` when no CPU count is given (PostgreSQL's default).
    static let defaultMaxWorkerProcesses = 8

    var totalMemoryKB: Int64 { inputs.memory.bytes / 1024 }
    var type: DatabaseType { inputs.databaseType }
    var version: Int { inputs.postgresVersion }
    var isWindowsBefore18: Bool { inputs.operatingSystem == .windows && version <= 17 }
    /// pgtune treats a missing CPU count (and 0) as "not given".
    var cpus: Int? { inputs.cpus.flatMap { $0 > 0 ? $0 : nil } }

    public var maxConnections: Int {
        if let given = inputs.connections, given > 0 { return given }
        switch type {
        case .web: return 200
        case .oltp: return 300
        case .dw: return 40
        case .desktop: return 20
        case .mixed: return 100
        }
    }

    /// A quarter of RAM (a sixteenth for desktop). pgtune's 512MB Windows cap applies only before
    /// PostgreSQL 10, which tuner (like pgtune's form) does not accept, so it is not ported.
    public var sharedBuffersKB: Int64 {
        type == .desktop ? totalMemoryKB / 16 : totalMemoryKB / 4
    }

    public var hugePages: String {
        if inputs.operatingSystem == .mac { return "off" }
        return sharedBuffersKB >= 2 * Self.kbPerGB ? "try" : "off"
    }

    public var effectiveCacheSizeKB: Int64 {
        type == .desktop ? totalMemoryKB / 4 : totalMemoryKB * 3 / 4
    }

    public var maintenanceWorkMemKB: Int64 {
        var value = type == .dw ? totalMemoryKB / 8 : totalMemoryKB / 16
        let limit = isWindowsBefore18 ? 2 * Self.kbPerGB : 8 * Self.kbPerGB
        if value >= limit {
            // 2GB is rejected by PostgreSQL ≤ 17 on Windows, hence one MB less.
            value = isWindowsBefore18 ? limit - Self.kbPerMB : limit
        }
        return value
    }

    public var minWalSizeKB: Int64 {
        switch type {
        case .web, .mixed: 1024 * Self.kbPerMB
        case .oltp: 2048 * Self.kbPerMB
        case .dw: 4096 * Self.kbPerMB
        case .desktop: 100 * Self.kbPerMB
        }
    }

    public var maxWalSizeKB: Int64 {
        switch type {
        case .web, .mixed: 4096 * Self.kbPerMB
        case .oltp: 8192 * Self.kbPerMB
        case .dw: 16384 * Self.kbPerMB
        case .desktop: 2048 * Self.kbPerMB
        }
    }

    public var checkpointCompletionTarget: String { "0.9" }

    /// 3% of shared_buffers, at most 16MB, rounded up to 16MB above 14MB, at least 32kB.
    public var walBuffersKB: Int64 {
        let maximum = 16 * Self.kbPerMB
        var value = min(3 * sharedBuffersKB / 100, maximum)
        if value > 14 * Self.kbPerMB && value < maximum { value = maximum }
        return max(value, 32)
    }

    public var defaultStatisticsTarget: Int { type == .dw ? 500 : 100 }

    public var randomPageCost: String {
        if inputs.dataSize == .lessThanRAM { return "1.1" }
        if inputs.storage == .hdd { return "4" }
        if type == .dw { return "4" }
        return "1.1"
    }

    /// Only on Linux: other systems lack the `posix_fadvise` prefetching it drives.
    public var effectiveIOConcurrency: Int? {
        guard inputs.operatingSystem == .linux else { return nil }
        switch inputs.storage {
        case .hdd: return 2
        case .ssd: return 200
        case .san: return 300
        case .nvme: return 1000
        }
    }

    /// The parallel-query settings, present from 4 CPUs on.
    public var parallelSettings: [(name: String, value: Int)] {
        guard let cpus, cpus >= 4 else { return [] }
        let perGather = type == .dw ? (cpus + 1) / 2 : min((cpus + 1) / 2, 4)
        var settings: [(name: String, value: Int)] = [
            ("max_worker_processes", cpus), ("max_parallel_workers_per_gather", perGather),
        ]
        if version >= 10 { settings.append(("max_parallel_workers", cpus)) }
        if version >= 11 { settings.append(("max_parallel_maintenance_workers", min((cpus + 1) / 2, 4))) }
        return settings
    }

    /// The worker count the work_mem formula divides by: the recommended max_worker_processes, else 8.
    var workersForWorkMem: Int {
        parallelSettings.first { $0.name == "max_worker_processes" }?.value ?? Self.defaultMaxWorkerProcesses
    }

    /// (RAM − shared_buffers) / ((max_connections + max_worker_processes) × 3), per type, adjusted for the
    /// data size, at least 4MB, and below 2GB on Windows before PostgreSQL 18.
    public var workMemKB: Int64 {
        let perConnection = Double(totalMemoryKB - sharedBuffersKB)
            / Double((maxConnections + workersForWorkMem) * 3)
        var value: Double
        switch type {
        case .web, .oltp: value = perConnection.rounded(.down)
        case .dw, .mixed: value = (perConnection / 2).rounded(.down)
        case .desktop: value = (perConnection / 6).rounded(.down)
        }
        switch inputs.dataSize {
        case .lessThanRAM: value = (value * 1.3).rounded(.down)
        case .moreThan3xRAM: value = (value * 0.9).rounded(.down)
        case .ramTo3x: break
        }
        var result = max(Int64(value), 4 * Self.kbPerMB)
        if isWindowsBefore18 { result = min(result, 2 * Self.kbPerGB - Self.kbPerMB) }
        return result
    }

    /// `wal_level = minimal` and `max_wal_senders = 0` for desktop databases.
    public var walLevelSettings: [(name: String, value: String)] {
        type == .desktop ? [("wal_level", "minimal"), ("max_wal_senders", "0")] : []
    }

    public var jit: String? {
        version >= 12 && [.web, .oltp, .mixed].contains(type) ? "off" : nil
    }

    public var walCompression: String? {
        if version >= 15 { return "lz4" }
        if version >= 10 { return "on" }
        return nil
    }

    public var autovacuumMaxWorkers: Int? {
        guard let cpus else { return nil }
        if cpus >= 32 { return 5 }
        if cpus >= 16 { return 4 }
        return nil
    }

    /// 2GB per autovacuum worker once maintenance_work_mem reaches 2GB; otherwise left to maintenance_work_mem.
    public var autovacuumWorkMemKB: Int64? {
        let threshold = 2 * Self.kbPerGB
        guard maintenanceWorkMemKB >= threshold else { return nil }
        // pgtune's Windows cap here cannot trigger (maintenance_work_mem stays below 2GB there), kept for parity.
        return isWindowsBefore18 ? min(threshold, threshold - Self.kbPerMB) : threshold
    }

    /// A quarter of the CPUs between 3 and 32, only when above PostgreSQL 18's default of 3, and only where
    /// io_method is `worker`: with io_uring (Linux) no I/O worker processes run, so pgtune leaves it out
    /// (pgtune #142, fixed in 830d3bb).
    public var ioWorkers: Int? {
        guard version >= 18, let cpus, ioMethod != "io_uring" else { return nil }
        let value = min(32, max(3, cpus / 4))
        return value > 3 ? value : nil
    }

    public var ioMethod: String? {
        guard version >= 18 else { return nil }
        return inputs.operatingSystem == .linux ? "io_uring" : "worker"
    }

    /// pgtune's warnings, one sentence per group of its comment lines.
    public var warnings: [String] {
        var warnings: [String] = []
        if inputs.memory < .megabytes(256) {
            warnings.append("this tool not being optimal for low memory systems")
        } else if inputs.memory > .gigabytes(100) {
            warnings.append("this tool not being optimal for very high memory systems")
        }
        if walCompression == "lz4" {
            warnings.append("wal_compression = lz4 requires PostgreSQL to be compiled with --with-lz4")
        }
        if ioMethod == "io_uring" {
            warnings.append("io_method = io_uring requires PostgreSQL to be compiled with --with-liburing")
        }
        if type == .dw && inputs.storage != .hdd && inputs.dataSize != .lessThanRAM {
            let drive = switch inputs.storage {
            case .ssd: "SSDs"
            case .nvme: "NVMe drives"
            case .san: "SAN storage"
            case .hdd: "HDDs"
            }
            warnings.append("Cost parameters for Data Warehouses on \(drive) are left at defaults"
                + " to avoid catastrophic index scan selections."
                + " Monitor query planner behavior and adjust random_page_cost if necessary")
        }
        return warnings
    }
}
