import TunerCore
import TunerReport

/// The sweep's recommendation: the smallest setting that gets within 5% of the best, because more than that
/// buys nothing (capacity: the highest maximum sustainable rate; rate: the lowest p95 without errors; database
/// transactions: the fewest per second, for settings that trade writes against waiting, like a flush interval).
public enum SweepKnee {
    /// What "best" means.
    public enum Criterion: Sendable {
        case capacity, p95, databaseTransactions
    }

    struct Choice {
        var values: [String: String]
        var sentence: String
    }

    static let tolerance = 0.05

    /// `capacityPrecision`: how finely each point's capacity was searched; two capacities closer than that are
    /// not told apart, so the capacity knee takes the larger of it and 5%.
    static func choose(_ points: [SweepPoint], parameters: [String], by criterion: Criterion,
                       capacityPrecision: Double = 0) -> Choice? {
        let measured = points.filter { $0.failure == nil }
        func label(_ point: SweepPoint) -> String {
            parameters.map { "\($0)=\(point.values[$0] ?? "")" }.joined(separator: " ")
        }
        if criterion == .databaseTransactions {
            let rated = measured.filter { $0.database != nil && ($0.errors ?? 0) == 0 }
            guard let best = rated.min(by: { $0.database!.transactionsPerSecond < $1.database!.transactionsPerSecond })
            else { return nil }
            let fewest = best.database!.transactionsPerSecond
            let enough = rated.filter { $0.database!.transactionsPerSecond <= fewest * (1 + tolerance) }
            guard let knee = smallest(enough, parameters: parameters), let tx = knee.database?.transactionsPerSecond else { return nil }
            let rest = label(knee) == label(best)
                ? "the fewest measured"
                : "within 5% of the fewest, \(CapacityText.rate(fewest)) at \(label(best)); waiting longer saves nothing"
            return Choice(values: knee.values,
                          sentence: "\(label(knee)): \(CapacityText.rate(tx)) database transactions/s without errors, \(rest)")
        }
        if criterion == .capacity {
            let rated = measured.filter { $0.capacity != nil }
            guard let best = rated.max(by: { $0.capacity! < $1.capacity! }), let top = best.capacity, top > 0 else { return nil }
            let within = max(tolerance, capacityPrecision)
            // As good as the best: within the tolerance, or not told apart from it by the searches (the best's
            // interval does not lie wholly above the point's).
            func overlapsBest(_ point: SweepPoint) -> Bool {
                guard let mine = point.capacityInterval, let theirs = best.capacityInterval else { return false }
                return !theirs.isAbove(mine)
            }
            let enough = rated.filter { $0.capacity! >= top * (1 - within) || overlapsBest($0) }
            guard let knee = smallest(enough, parameters: parameters), let capacity = knee.capacity else { return nil }
            let rest = label(knee) == label(best) ? "the best measured"
                : knee.capacity! >= top * (1 - within)
                ? "within \(Int((within * 100).rounded()))% of the best, \(CapacityText.rate(top)) req/s at \(label(best))"
                    + (within > tolerance ? " (the search's precision)" : "") + "; more buys nothing"
                : "not told apart from the best, \(CapacityText.rate(top)) req/s at \(label(best)) (their capacities lie in "
                    + "\(knee.capacityInterval!.description) and \(best.capacityInterval!.description)); more buys nothing measurable"
            return Choice(values: knee.values, sentence: "\(label(knee)): \(CapacityText.rate(capacity)) req/s at the SLO, \(rest)")
        }
        let clean = measured.filter { $0.p95 != nil && ($0.errors ?? 0) == 0 }
        guard let best = clean.min(by: { $0.p95! < $1.p95! }), let lowest = best.p95 else { return nil }
        let enough = clean.filter { $0.p95! <= lowest * (1 + tolerance) }
        guard let knee = smallest(enough, parameters: parameters), let p95 = knee.p95 else { return nil }
        let rest = label(knee) == label(best) ? "the best measured" : "within 5% of the best, \(NumberFormat.millis(lowest)) at \(label(best)); more buys nothing"
        return Choice(values: knee.values, sentence: "\(label(knee)): p95 \(NumberFormat.millis(p95)) without errors, \(rest)")
    }

    /// The point whose values are smallest: numerically where they are numbers, the first parameter first.
    private static func smallest(_ points: [SweepPoint], parameters: [String]) -> SweepPoint? {
        points.min { a, b in
            for name in parameters {
                let (x, y) = (a.values[name] ?? "", b.values[name] ?? "")
                if x == y { continue }
                if let p = Double(x), let q = Double(y) { return p < q }
                return x < y
            }
            return false
        }
    }
}
