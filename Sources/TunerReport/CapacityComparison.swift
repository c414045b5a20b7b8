import TunerCore

/// Two capacities at the SLO, before and after a change: how much the maximum sustainable rate moved, and
/// whether the move is beyond the searches' uncertainty. Every place that credits a change with capacity (the
/// optimization log, the demo's table, the guide's "Capacity increase", a sweep's knee) asks this one judge.
public struct CapacityComparison: Sendable {
    public let before: CapacityResult
    public let after: CapacityResult

    public init(before: CapacityResult, after: CapacityResult) {
        self.before = before
        self.after = after
    }

    /// Results written before searches kept their intervals: two capacities closer than this share are not told
    /// apart (the demo's 10% precision).
    static let legacyPrecision = 0.10

    /// The relative change of the maximum sustainable rate (0.25 = +25%); `nil` when either side has none.
    public var change: Double? {
        guard let b = before.maxSustainableRate, let a = after.maxSustainableRate, b > 0 else { return nil }
        return (a - b) / b
    }

    /// True when the two searches' intervals do not overlap: one capacity lies wholly above the other.
    public var isBeyondUncertainty: Bool {
        if let b = before.interval, let a = after.interval { return a.isAbove(b) || b.isAbove(a) }
        return change.map { abs($0) >= Self.legacyPrecision } ?? (before.maxSustainableRate == nil) != (after.maxSustainableRate == nil)
    }

    /// `+12%`, `−4%`, or `within the search's uncertainty` when the intervals overlap.
    public var changeText: String {
        guard isBeyondUncertainty else { return Self.withinUncertainty }
        return change.map { NumberFormat.change($0 * 100) } ?? (after.maxSustainableRate == nil ? "none now" : "none before")
    }

    /// Why a change is not credited: the intervals it was measured with, e.g.
    /// `[9.2, 10.1) req/s before, [9.6, 10.6) req/s after: they overlap`.
    public var uncertaintyText: String? {
        guard !isBeyondUncertainty else { return nil }
        if let b = before.interval, let a = after.interval {
            return "\(b.description) before, \(a.description) after: they overlap"
        }
        return "closer than the search's \(NumberFormat.percent(Self.legacyPrecision)) precision"
    }

    public static let withinUncertainty = "within the search's uncertainty"
}
