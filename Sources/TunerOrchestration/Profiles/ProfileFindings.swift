import TunerCore

/// What a run's profiles say beyond the CPU hot spot (`ProfileCollector.findings`): how much of the CPU went to JSON
/// (any profiler), how long requests waited for locks (Go's mutex profile) and how much they allocated (Go's allocs
/// profile). Each names the service's own function to start at, and the figures per request come from the load's
/// own throughput over the profile's seconds.
enum ProfileFindings {
    /// A share of the CPU through JSON below this is not worth a finding.
    static let jsonShare = 0.10
    /// Lock waits: at least this many goroutine-seconds of waiting per second, and this share of a request's latency.
    static let lockWaitPerSecond = 0.05
    static let lockShareOfLatency = 0.05
    /// Allocations: this many bytes per request, or this share of the CPU in the allocator and the garbage collector.
    static let bytesPerRequest = 1 << 20
    static let allocationCPUShare = 0.15

    static func findings(of result: LoadResult) -> [Finding] {
        [json(result), locks(result), allocations(result)].compactMap { $0 }
    }

    /// Requests completed over `seconds` of the measured window, from its throughput.
    static func requests(_ result: LoadResult, over seconds: Double) -> Double {
        result.overall.rps * seconds
    }

    // MARK: JSON

    static func json(_ result: LoadResult) -> Finding? {
        guard let profile = result.profile, profile.sampledEnough, let share = profile.jsonShare, share >= jsonShare else { return nil }
        let place = profile.jsonPlace
        let through = place.map { ", most through \($0.name)" } ?? ""
        var evidence = [Finding.Evidence("CPU through JSON", NumberFormat.percent(share), number: share)]
        if let place {
            evidence.append(.init("the service's own frame", Self.named(place)))
            evidence.append(.init("its share of the CPU in JSON", NumberFormat.percent(place.share), number: place.share))
            if let calls = place.calls { evidence.append(.init("which calls", calls)) }
        }
        evidence.append(.init("profiler", profile.profiler ?? "pprof"))
        let start = place.map { "Start at \(Self.named($0)): " } ?? ""
        let how: String
        switch profile.profiler ?? "pprof" {
        case "pprof":
            how = "encode with a json.Encoder straight to the ResponseWriter, keep stored JSON as json.RawMessage instead "
                + "of decoding and encoding it again, use generated marshalers (easyjson) for the hottest types, and cache "
                + "bodies that do not change."
        case "py-spy":
            how = "use orjson (a drop-in json.dumps several times faster), serialize only the fields the client uses, and "
                + "cache bodies that do not change."
        default:
            how = "serialize only the fields the client uses, page long lists, and cache bodies that do not change."
        }
        return Finding(
            id: "json-cpu", severity: .info, object: place?.name ?? "JSON",
            title: "JSON takes \(NumberFormat.percent(share)) of the service's CPU\(through)",
            evidence: evidence,
            why: "The share of the sampled stacks that went through a JSON function (encoding or decoding), during the "
                + "steady part of the load: CPU spent turning data into text per request, which a cheaper encoder, "
                + "a smaller body or a cached one gives back as capacity.",
            fix: start + how,
            source: "profile")
    }

    // MARK: locks

    static func locks(_ result: LoadResult) -> Finding? {
        guard let profile = result.lockProfile, profile.measure.hasPrefix("delay"), profile.seconds > 0 else { return nil }
        let waited = profile.total / 1e9
        let perSecond = waited / profile.seconds
        let requests = requests(result, over: profile.seconds)
        let perRequest = requests > 0 ? waited / requests : nil
        let mean = result.overall.latency.mean / 1000
        let shareOfLatency = perRequest.flatMap { mean > 0 ? $0 / mean : nil }
        guard perSecond >= lockWaitPerSecond, shareOfLatency.map({ $0 >= lockShareOfLatency }) ?? true else { return nil }
        let place = profile.placeToAct
        let held = place.map { " for a lock released in \($0.name)" } ?? ""
        var evidence = [Finding.Evidence("waiting for locks", "\(NumberFormat.significant(perSecond)) s per second "
            + "(\(NumberFormat.significant(waited)) s in \(NumberFormat.seconds(profile.seconds)))", number: perSecond)]
        if let perRequest {
            evidence.append(.init("per request", "\(NumberFormat.significant(perRequest * 1000)) ms"
                + (shareOfLatency.map { ", \(NumberFormat.percent($0)) of the mean latency" } ?? ""), number: perRequest))
        }
        if let place {
            evidence.append(.init("lock held in", Self.named(place)))
            evidence.append(.init("its share of the waiting", NumberFormat.percent(place.share), number: place.share))
            if let calls = place.calls { evidence.append(.init("released by", calls)) }
        }
        let at = place.map { "in \(Self.named($0)) " } ?? ""
        return Finding(
            id: "lock-contention", severity: .warning, object: place?.name ?? "locks",
            title: "Requests waited \(NumberFormat.significant(perSecond)) s per second\(held)",
            evidence: evidence,
            why: "Go's mutex profile over the steady part of the load: the time goroutines waited for a sync.Mutex or "
                + "RWMutex, by the code that held it (the stack of its Unlock). While they wait, requests queue behind one "
                + "another however many cores there are: more load adds latency, not throughput.",
            fix: "Hold the lock \(at)for less: do the work before taking it and lock only to read or update the shared "
                + "state; or split the state so that requests do not share one lock (a lock per key or shard, sync.Map, "
                + "atomics for counters).",
            source: "profile")
    }

    // MARK: allocations

    static func allocations(_ result: LoadResult) -> Finding? {
        guard let profile = result.allocationProfile, profile.measure.hasPrefix("alloc_space"), profile.seconds > 0 else { return nil }
        let bytes = profile.total
        let requests = requests(result, over: profile.seconds)
        let perRequest = requests > 0 ? bytes / requests : nil
        let collecting = result.profile.flatMap(allocatorShare)
        let heavy = (perRequest.map { $0 >= Double(bytesPerRequest) } ?? false) || (collecting.map { $0 >= allocationCPUShare } ?? false)
        guard heavy else { return nil }
        let place = profile.placeToAct
        let most = place.map { ", most in \($0.name)" } ?? ""
        var evidence = [Finding.Evidence("allocated", "\(NumberFormat.bytes(Int64(bytes / profile.seconds)))/s "
            + "(\(NumberFormat.bytes(Int64(bytes))) in \(NumberFormat.seconds(profile.seconds)))", number: bytes / profile.seconds)]
        if let perRequest { evidence.append(.init("per request", NumberFormat.bytes(Int64(perRequest)), number: perRequest)) }
        if let collecting {
            evidence.append(.init("CPU in the allocator and the garbage collector", NumberFormat.percent(collecting), number: collecting))
        }
        if let place {
            evidence.append(.init("allocated in", Self.named(place)))
            evidence.append(.init("its share of the bytes", NumberFormat.percent(place.share), number: place.share))
        }
        let title = perRequest.map { "The service allocates \(NumberFormat.bytes(Int64($0))) per request\(most)" }
            ?? "The service allocates \(NumberFormat.bytes(Int64(bytes / profile.seconds)))/s\(most)"
        let at = place.map { "in \(Self.named($0))" } ?? "where the allocs profile points"
        return Finding(
            id: "allocation-heavy", severity: .info, object: place?.name ?? "allocations",
            title: title,
            evidence: evidence,
            why: "Go's allocs profile over the steady part of the load: every byte allocated is later scanned and freed by "
                + "the garbage collector, which takes CPU from requests and pauses them; the guide's memory pressure.",
            fix: "Allocate less \(at): reuse buffers (sync.Pool), stream a body instead of building it whole, give slices "
                + "and maps their final size up front. GOGC or GOMEMLIMIT trade memory for fewer collections meanwhile.",
            source: "profile")
    }

    /// `main.recordVisit (main.go:68)`: the function and, when the profile has it, its line.
    static func named(_ place: CPUProfile.PlaceToAct) -> String {
        place.name + (place.location.map { " (\($0))" } ?? "")
    }

    /// The share of the CPU profile's samples in Go's allocator and garbage collector (`runtime.mallocgc`,
    /// `runtime.gcBgMarkWorker`), from its stacks; `nil` for a profile that is not Go's.
    static func allocatorShare(_ profile: CPUProfile) -> Double? {
        guard profile.profiler == "pprof", let stacks = profile.stacks, stacks.total > 0 else { return nil }
        let collecting = stacks.stacks.filter { stack in
            stack.frames.contains { $0 == "runtime.mallocgc" || $0 == "runtime.gcBgMarkWorker" }
        }
        return collecting.reduce(0) { $0 + $1.weight } / stacks.total
    }
}
