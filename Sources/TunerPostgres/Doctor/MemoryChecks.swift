import TunerCore

/// Memory and cache: heap and index cache hit ratios, a worst-case memory model against the machine,
/// checkpoint pressure, and planner cost settings that contradict the storage or the memory.
enum MemoryChecks {
    static let all: [DoctorCheck] = [
        DoctorCheck(name: "cache-hit-ratio", family: .memory, run: cacheHitRatio),
        DoctorCheck(name: "memory-model", family: .memory, run: memoryModel),
        DoctorCheck(name: "checkpoints", family: .memory, run: checkpoints),
        DoctorCheck(name: "planner-costs", family: .memory, run: plannerCosts),
    ]

    static func cacheHitRatio(_ context: DoctorContext) async throws -> CheckOutcome {
        let row = try await context.rows(
            """
            SELECT coalesce(sum(heap_blks_hit), 0)::bigint AS heap_hit, coalesce(sum(heap_blks_read), 0)::bigint AS heap_read,
              coalesce(sum(idx_blks_hit), 0)::bigint AS index_hit, coalesce(sum(idx_blks_read), 0)::bigint AS index_read
            FROM pg_statio_user_tables
            """
        ).first
        let minimum = context.thresholds[DoctorThresholds.cacheMinBlocks]
        let limit = context.thresholds[DoctorThresholds.cacheHitRatio]
        var findings: [Finding] = []
        var overview: [Finding.Evidence] = []
        for (object, prefix) in [("tables", "heap"), ("indexes", "index")] {
            let hit = Double(row?.int("\(prefix)_hit") ?? 0)
            let read = Double(row?.int("\(prefix)_read") ?? 0)
            guard hit + read > 0 else { continue }
            let ratio = hit / (hit + read)
            overview.append(Measure.percent("\(prefix) cache hit ratio", ratio))
            guard hit + read >= minimum, ratio < limit else { continue }
            findings.append(.check(
                "low-cache-hit-ratio", .warning, object: object,
                title: "Only \(Measure.percent("", ratio).value) of \(prefix) block reads come from shared_buffers",
                evidence: [Measure.percent("hit ratio", ratio), Measure.count("blocks hit", Int64(hit)),
                           Measure.count("blocks read", Int64(read)), Measure.percent("cache-hit-ratio threshold", limit)]
                    + (context.settings["shared_buffers"]?.bytes.map { [Measure.bytes("shared_buffers", $0)] } ?? []),
                why: "Reads that miss shared_buffers go to the OS cache or the disk; the working set does not fit, or scans read far more than they need (check seq-scan-heavy and slow-query findings first).",
                fix: suggestedSharedBuffers(context).map { "ALTER SYSTEM SET shared_buffers = '\($0)';  -- then restart" }
                    ?? "-- raise shared_buffers (about 25% of the machine's memory), then restart"))
        }
        return CheckOutcome(findings: findings, overview: overview)
    }

    static func suggestedSharedBuffers(_ context: DoctorContext) -> String? {
        guard let memory = context.memory else { return nil }
        return Measure.suggestedSize(Double(memory.bytes) / 4)
    }

    static func memoryModel(_ context: DoctorContext) async throws -> CheckOutcome {
        let settings = context.settings
        guard let memory = context.memory else {
            return .skipped("the machine's memory is unknown (the server is not on this machine): pass --memory")
        }
        guard let shared = settings["shared_buffers"]?.bytes, let workMem = settings["work_mem"]?.bytes,
              let maintenance = settings["maintenance_work_mem"]?.bytes,
              let connections = settings["max_connections"]?.number
        else { return .skipped("memory settings are not readable by this role") }
        let workers = settings["autovacuum_max_workers"]?.number ?? 3
        let autovacuumMem = settings["autovacuum_work_mem"]?.bytes ?? maintenance
        let walBuffers = settings["wal_buffers"]?.bytes ?? 0
        let perConnection = connections * Double(workMem)
        let maintenanceTotal = workers * Double(autovacuumMem) + Double(maintenance)
        let model = Double(shared) + perConnection + maintenanceTotal + Double(walBuffers)
        let ratio = model / Double(memory.bytes)
        var findings: [Finding] = []
        let evidence = [Measure.bytes("model", Int64(model)), Measure.bytes("machine memory", memory.bytes),
                        Measure.percent("of memory", ratio), Measure.bytes("shared_buffers", shared),
                        Measure.bytes("max_connections × work_mem", Int64(perConnection)),
                        Measure.bytes("maintenance (autovacuum workers + one manual)", Int64(maintenanceTotal))]
        if ratio >= context.thresholds[DoctorThresholds.memoryModelRatio] {
            let room = Double(memory.bytes) * 0.8 - Double(shared) - maintenanceTotal - Double(walBuffers)
            let suggestion = room > 0 ? Measure.suggestedSize(room / connections) : nil
            findings.append(.check(
                "memory-overcommit", .warning, object: "work_mem",
                title: "Worst-case memory use is \(Measure.percent("", ratio).value) of the machine's memory",
                evidence: evidence,
                why: "If every connection sorts at once, the server asks for more memory than the machine has and the kernel's OOM killer ends a backend (and with it every session).",
                fix: suggestion.map { "ALTER SYSTEM SET work_mem = '\($0)'; SELECT pg_reload_conf();  -- or fewer connections through a pooler" }
                    ?? "-- lower shared_buffers or max_connections; the fixed parts alone exceed the memory"))
        }
        let sharedShare = Double(shared) / Double(memory.bytes)
        if memory.bytes >= 2 << 30 && sharedShare < 0.1, let suggestion = suggestedSharedBuffers(context) {
            findings.append(.check(
                "shared-buffers-small", .info, object: "shared_buffers",
                title: "shared_buffers is \(Measure.percent("", sharedShare).value) of the machine's memory",
                evidence: [Measure.bytes("shared_buffers", shared), Measure.bytes("machine memory", memory.bytes)],
                why: "The usual starting point is about 25% of memory; a small buffer pool sends hot pages through the OS cache and double-buffers them.",
                fix: "ALTER SYSTEM SET shared_buffers = '\(suggestion)';  -- then restart"))
        }
        return CheckOutcome(findings: findings, overview: [Measure.percent("memory model of machine memory", ratio)])
    }

    static func checkpoints(_ context: DoctorContext) async throws -> CheckOutcome {
        let sql = context.serverVersionNumber >= 170000
            ? "SELECT num_timed AS timed, num_requested AS requested FROM pg_stat_checkpointer"
            : "SELECT checkpoints_timed AS timed, checkpoints_req AS requested FROM pg_stat_bgwriter"
        let row = try await context.rows(sql).first
        let timed = Double(row?.int("timed") ?? 0)
        let requested = Double(row?.int("requested") ?? 0)
        var findings: [Finding] = []
        if timed + requested >= context.thresholds[DoctorThresholds.checkpointsMinCount],
           requested / (timed + requested) >= context.thresholds[DoctorThresholds.checkpointsRequestedShare] {
            let walSize = context.settings["max_wal_size"]?.bytes
            findings.append(.check(
                "checkpoints-too-frequent", .warning, object: "max_wal_size",
                title: "\(Measure.percent("", requested / (timed + requested)).value) of checkpoints were forced by WAL volume",
                evidence: [Measure.count("requested checkpoints", Int64(requested)), Measure.count("timed checkpoints", Int64(timed))]
                    + (walSize.map { [Measure.bytes("max_wal_size", $0)] } ?? []),
                why: "Checkpoints forced before checkpoint_timeout write pages again and again and cause full-page-write WAL spikes; max_wal_size is too small for the write rate.",
                fix: walSize.map { "ALTER SYSTEM SET max_wal_size = '\(ByteSize(bytes: $0 * 2).description)'; SELECT pg_reload_conf();" }
                    ?? "-- raise max_wal_size"))
        }
        if let target = context.settings["checkpoint_completion_target"]?.number, target < 0.9 {
            findings.append(.check(
                "checkpoint-completion-target-low", .info, object: "checkpoint_completion_target",
                title: "checkpoint_completion_target is \(target)",
                evidence: [Finding.Evidence("checkpoint_completion_target", target)],
                why: "A low target writes each checkpoint in a burst instead of spreading it over the interval, causing I/O spikes.",
                fix: "ALTER SYSTEM SET checkpoint_completion_target = 0.9; SELECT pg_reload_conf();"))
        }
        return CheckOutcome(findings: findings)
    }

    static func plannerCosts(_ context: DoctorContext) async throws -> CheckOutcome {
        let settings = context.settings
        guard let random = settings["random_page_cost"]?.number, let sequential = settings["seq_page_cost"]?.number
        else { return .skipped("planner settings not readable") }
        var findings: [Finding] = []
        let storage = context.isStorageRotational.map { $0 ? "rotational disk" : "solid-state disk" } ?? "unknown"
        if random < sequential {
            findings.append(.check(
                "random-page-cost-below-seq", .warning, object: "random_page_cost",
                title: "random_page_cost (\(random)) is below seq_page_cost (\(sequential))",
                evidence: [Finding.Evidence("random_page_cost", random), Finding.Evidence("seq_page_cost", sequential)],
                why: "A random read is never cheaper than a sequential one; the planner will prefer index scans even where they read most of a table.",
                fix: "ALTER SYSTEM SET random_page_cost = \(sequential == 1 ? "1.1" : String(sequential)); SELECT pg_reload_conf();"))
        } else if random >= 2 * sequential && context.isStorageRotational != true {
            findings.append(.check(
                "random-page-cost-high", context.isStorageRotational == false ? .warning : .info, object: "random_page_cost",
                title: "random_page_cost is \(random), a value for spinning disks",
                evidence: [Finding.Evidence("random_page_cost", random), Finding.Evidence("seq_page_cost", sequential),
                           Measure.text("storage", storage)],
                why: "On SSDs, NVMe and cloud volumes random reads cost about as much as sequential ones; a high value makes the planner avoid good index scans.",
                fix: "ALTER SYSTEM SET random_page_cost = 1.1; SELECT pg_reload_conf();  -- for SSD, NVMe or cloud storage"))
        }
        if let cache = settings["effective_cache_size"]?.bytes, let shared = settings["shared_buffers"]?.bytes {
            let memoryLow = context.memory.map { Double(cache) < Double($0.bytes) * 0.4 } ?? false
            if cache < shared || memoryLow {
                let suggestion = context.memory.map { Measure.suggestedSize(Double($0.bytes) * 0.75) }
                    ?? ByteSize(bytes: shared * 3).description
                findings.append(.check(
                    "effective-cache-size-low", cache < shared ? .warning : .info, object: "effective_cache_size",
                    title: "effective_cache_size (\(ByteSize(bytes: cache).description)) understates the memory that caches data",
                    evidence: [Measure.bytes("effective_cache_size", cache), Measure.bytes("shared_buffers", shared)]
                        + (context.memory.map { [Measure.bytes("machine memory", $0.bytes)] } ?? []),
                    why: "The planner uses it to judge whether index pages will be cached; too low and it shuns index scans.",
                    fix: "ALTER SYSTEM SET effective_cache_size = '\(suggestion)'; SELECT pg_reload_conf();  -- about 75% of memory"))
            }
        }
        if context.isStorageRotational == false, let concurrency = settings["effective_io_concurrency"]?.number,
           concurrency <= 2 {
            findings.append(.check(
                "effective-io-concurrency-low", .info, object: "effective_io_concurrency",
                title: "effective_io_concurrency is \(Int(concurrency)) on a solid-state disk",
                evidence: [Finding.Evidence("effective_io_concurrency", concurrency), Measure.text("storage", storage)],
                why: "SSDs serve many reads in parallel; bitmap heap scans prefetch only as many pages as this allows.",
                fix: "ALTER SYSTEM SET effective_io_concurrency = 200; SELECT pg_reload_conf();"))
        }
        return CheckOutcome(findings: findings, overview: [Measure.text("data directory storage", storage)])
    }
}
