import TunerCore

/// One recommended `postgresql.conf` line: the value as PostgreSQL reads it, and why.
public struct RecommendedSetting: Sendable, Equatable {
    public let name: String
    /// As it would appear in postgresql.conf: `4GB`, `1.1`, `off`, `200`.
    public let value: String
    /// One line naming the input that drove the value.
    public let reason: String

    public init(name: String, value: String, reason: String) {
        self.name = name
        self.value = value
        self.reason = reason
    }
}

/// pgtune's recommendation for some inputs: its settings in pgtune's order, its warnings, and tuner's notes
/// where a pgtune value is kept for parity although a better one exists.
public struct ConfigurationRecommendation: Sendable {
    public let inputs: ConfigurationInputs
    public let settings: [RecommendedSetting]
    /// pgtune's warnings, one sentence each.
    public let warnings: [String]
    /// Where tuner believes pgtune's value is not the best: the better value and why (the setting keeps pgtune's).
    public let notes: [String]

    /// Computes pgtune's settings for these inputs.
    public init(_ inputs: ConfigurationInputs) {
        let tune = PGTune(inputs)
        self.inputs = inputs
        self.settings = Self.settings(tune)
        self.warnings = tune.warnings
        self.notes = Self.notes(tune)
    }

    /// A recommendation with given settings (tests compare arbitrary settings with a live server).
    init(inputs: ConfigurationInputs, settings: [RecommendedSetting], warnings: [String] = [], notes: [String] = []) {
        self.inputs = inputs
        self.settings = settings
        self.warnings = warnings
        self.notes = notes
    }

    /// The recommended value of one setting, if pgtune sets it.
    public subscript(_ name: String) -> String? {
        settings.first { $0.name == name }?.value
    }

    /// The settings as a dictionary (name → value).
    public var values: [String: String] {
        Dictionary(uniqueKeysWithValues: settings.map { ($0.name, $0.value) })
    }

    static func kb(_ value: Int64) -> String { ByteSize.kilobytes(value).description }

    private static func settings(_ t: PGTune) -> [RecommendedSetting] {
        let i = t.inputs
        let ram = i.memory.description
        var out: [RecommendedSetting] = []
        func add(_ name: String, _ value: String?, _ reason: String) {
            if let value { out.append(RecommendedSetting(name: name, value: value, reason: reason)) }
        }
        add("max_connections", String(t.maxConnections), i.connections != nil
            ? "--connections \(t.maxConnections)" : "pgtune's default for a \(i.databaseType.title)")
        add("shared_buffers", kb(t.sharedBuffersKB),
            i.databaseType == .desktop ? "1/16 of \(ram) RAM for a desktop database" : "25% of \(ram) RAM")
        add("effective_cache_size", kb(t.effectiveCacheSizeKB), i.databaseType == .desktop
            ? "25% of \(ram) RAM: a desktop shares its page cache" : "75% of \(ram) RAM: what shared_buffers plus the OS cache hold")
        add("maintenance_work_mem", kb(t.maintenanceWorkMemKB), maintenanceReason(t))
        add("checkpoint_completion_target", t.checkpointCompletionTarget,
            "spread checkpoint writes over 90% of the interval")
        add("wal_buffers", kb(t.walBuffersKB), walBuffersReason(t))
        add("default_statistics_target", String(t.defaultStatisticsTarget), i.databaseType == .dw
            ? "data warehouse: finer statistics for complex plans" : "PostgreSQL's default for a \(i.databaseType.title)")
        add("random_page_cost", t.randomPageCost, randomPageCostReason(t))
        add("effective_io_concurrency", t.effectiveIOConcurrency.map(String.init),
            "concurrent reads \(i.storage.rawValue) storage sustains (Linux prefetching)")
        add("work_mem", kb(t.workMemKB), workMemReason(t))
        add("huge_pages", t.hugePages, i.operatingSystem == .mac ? "macOS has no huge pages for PostgreSQL"
            : t.hugePages == "try" ? "shared_buffers of 2GB or more: fewer page-table entries"
            : "shared_buffers below 2GB: huge pages gain little")
        add("jit", t.jit, "PostgreSQL \(i.postgresVersion) \(i.databaseType.rawValue): JIT costs more than it saves on short queries")
        add("wal_compression", t.walCompression, t.walCompression == "lz4"
            ? "PostgreSQL 15+: lz4 compresses full-page writes cheaply" : "compress full-page writes (pglz)")
        add("autovacuum_max_workers", t.autovacuumMaxWorkers.map(String.init),
            "\(i.cpus ?? 0) CPUs: more tables vacuumed at once")
        add("autovacuum_work_mem", t.autovacuumWorkMemKB.map(kb),
            "caps each autovacuum worker while maintenance_work_mem is \(kb(t.maintenanceWorkMemKB))")
        add("io_method", t.ioMethod, i.operatingSystem == .linux
            ? "PostgreSQL 18 asynchronous I/O: io_uring on Linux" : "PostgreSQL 18 asynchronous I/O: worker processes off Linux")
        add("io_workers", t.ioWorkers.map(String.init), "a quarter of \(i.cpus ?? 0) CPUs (at most 32)")
        add("min_wal_size", kb(t.minWalSizeKB), "WAL kept for a \(i.databaseType.title)")
        add("max_wal_size", kb(t.maxWalSizeKB), "WAL between checkpoints for a \(i.databaseType.title)")
        for (name, value) in t.parallelSettings {
            add(name, String(value), parallelReason(name, t))
        }
        for (name, value) in t.walLevelSettings {
            add(name, value, name == "wal_level" ? "desktop: no replication, least WAL"
                : "must be 0 when wal_level = minimal")
        }
        return out
    }

    private static func maintenanceReason(_ t: PGTune) -> String {
        let share = t.inputs.databaseType == .dw ? "1/8" : "1/16"
        if t.isWindowsBefore18 { return "\(share) of RAM, below 2GB (Windows before PostgreSQL 18)" }
        return "\(share) of RAM, at most 8GB"
    }

    private static func walBuffersReason(_ t: PGTune) -> String {
        let third = 3 * t.sharedBuffersKB / 100
        if third > 16 * PGTune.kbPerMB { return "3% of shared_buffers, capped at 16MB" }
        if t.walBuffersKB == 16 * PGTune.kbPerMB && third < 16 * PGTune.kbPerMB {
            return "3% of shared_buffers (\(kb(third))) rounded up to 16MB"
        }
        if t.walBuffersKB == 32 && third < 32 { return "3% of shared_buffers, at least 32kB" }
        return "3% of shared_buffers"
    }

    private static func randomPageCostReason(_ t: PGTune) -> String {
        let i = t.inputs
        if i.dataSize == .lessThanRAM { return "data fits in RAM: reads come from cache, seeks cost little" }
        if i.storage == .hdd { return "hdd: random reads cost 4× sequential (PostgreSQL's default)" }
        if i.databaseType == .dw { return "data warehouse larger than RAM: keep the default against index-scan misplans" }
        return "\(i.storage.rawValue): random reads cost about as much as sequential"
    }

    private static func workMemReason(_ t: PGTune) -> String {
        var reason = "(RAM − shared_buffers) / ((\(t.maxConnections) connections + \(t.workersForWorkMem) workers) × 3)"
        switch t.inputs.databaseType {
        case .dw, .mixed: reason += " / 2"
        case .desktop: reason += " / 6"
        case .web, .oltp: break
        }
        switch t.inputs.dataSize {
        case .lessThanRAM: reason += ", +30% as data fits in RAM"
        case .moreThan3xRAM: reason += ", −10% as data is over 3× RAM"
        case .ramTo3x: break
        }
        let floor = 4 * PGTune.kbPerMB
        if t.workMemKB == floor { reason += ", at least 4MB" }
        if t.isWindowsBefore18 && t.workMemKB == 2 * PGTune.kbPerGB - PGTune.kbPerMB {
            reason += ", below 2GB (Windows before PostgreSQL 18)"
        }
        return reason
    }

    private static func parallelReason(_ name: String, _ t: PGTune) -> String {
        let cpus = t.inputs.cpus ?? 0
        switch name {
        case "max_parallel_workers_per_gather":
            return t.inputs.databaseType == .dw ? "half of \(cpus) CPUs (data warehouse: no cap)"
                : "half of \(cpus) CPUs, at most 4"
        case "max_parallel_maintenance_workers": return "half of \(cpus) CPUs, at most 4"
        default: return "\(cpus) CPUs"
        }
    }

    private static func notes(_ t: PGTune) -> [String] {
        var notes: [String] = []
        if let workers = t.parallelSettings.first(where: { $0.name == "max_worker_processes" })?.value,
           workers < PGTune.defaultMaxWorkerProcesses {
            notes.append("max_worker_processes = \(workers) is pgtune's value; tuner would keep PostgreSQL's default of 8"
                + " (or max_parallel_workers + 4): logical replication and extension workers share this pool"
                + " with parallel queries, and lowering it below 8 can leave them no slot")
        }
        return notes
    }
}
