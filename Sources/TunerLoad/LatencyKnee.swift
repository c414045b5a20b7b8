import TunerCore

/// Where the latency curve turns up: the highest passing rate before p95 latency reached twice its value
/// at the lowest rate measured (below it, more load costs little latency; above it, queueing dominates).
enum LatencyKnee {
    static func rate(_ steps: [CapacityStep]) -> Double? {
        let measured = steps.filter { $0.phase != .probe && $0.requests > 0 }.sorted { $0.offeredRate < $1.offeredRate }
        guard let lowest = measured.first, lowest.p95 > 0 else { return nil }
        var knee: Double?
        for step in measured {
            guard step.p95 < 2 * lowest.p95, step.passed else { break }
            knee = step.offeredRate
        }
        return knee
    }
}
