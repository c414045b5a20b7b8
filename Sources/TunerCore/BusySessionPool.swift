/// The service's connection pool as the database sees it, without the service's own pool metrics: its client
/// sessions in `pg_stat_activity` all busy in most seconds, their number flat. A pool caps the number; a service that
/// opens a connection per request, or a database that slows down, shows it growing instead.
///
/// The one judgement of "the pool is full" from sessions: the run's `pool-saturation` finding and the capacity
/// search's breaking point both use it, so they cannot disagree.
public struct BusySessionPool: Sendable, Equatable {
    /// The sessions' number when every one was busy: the pool's size as the database saw it.
    public var size: Int
    /// Seconds in which every session was busy, of the seconds sampled.
    public var busySeconds: Int
    public var seconds: Int

    /// The pool, when `samples` show it full: at least three samples; in at least `share` of them every session busy
    /// (running a statement, none idle or idle in a transaction) and most of them running rather than waiting on a
    /// lock; at most two different numbers of sessions among the samples that had any. Sessions that wait on a lock
    /// in a quarter of the busy seconds or more are a lock's doing (a row lock that serialises requests keeps their
    /// number small and flat too), not a pool's.
    public init?(_ samples: [ConnectionSample], share: Double = 0.5) {
        guard samples.count >= 3 else { return nil }
        let peak = samples.map(\.total).max() ?? 0
        let busy = samples.filter(Self.isBusy)
        let counts = Set(samples.map(\.total).filter { $0 > 0 })
        guard peak > 0, Double(busy.count) >= Double(samples.count) * share, counts.count <= 2,
              busy.filter({ $0.waiting > 0 }).count * 4 < busy.count
        else { return nil }
        size = peak
        busySeconds = busy.count
        seconds = samples.count
    }

    /// Every session running a statement, and no more of them waiting on a lock than running.
    public static func isBusy(_ sample: ConnectionSample) -> Bool {
        sample.total > 0 && sample.idle == 0 && sample.idleInTransaction == 0 && sample.waiting <= sample.active
    }

    /// The `pool-saturation` finding it makes; `place` says where it was seen when not over a whole run (the
    /// capacity search's breaking point).
    public func finding(at place: String? = nil, source: String) -> Finding {
        Finding(
            id: "pool-saturation", severity: .warning, object: "service connection pool",
            title: "All \(size) of the service's connections were busy in \(busySeconds) of \(seconds) seconds"
                + (place.map { " " + $0 } ?? ""),
            evidence: [.init("connections", Double(size)), .init("seconds all busy", Double(busySeconds)),
                       .init("seconds sampled", Double(seconds))],
            why: "When every pooled connection is busy, requests queue inside the service before reaching the database.",
            fix: "-- raise the service's pool size (tuner pool recommends one), e.g. DB_MAX_OPEN_CONNS=\(max(size * 4, 10))",
            source: source)
    }
}
