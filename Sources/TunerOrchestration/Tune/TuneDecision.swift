import TunerCore
import TunerReport

/// Whether a change paid: it is kept only when the capacity at the SLO after it lies wholly above the capacity
/// before it (the two searches' intervals separate), the rule the optimization log and the guide credit a change by.
/// Anything else — no gain beyond the searches' uncertainty, or a loss — is rolled back, and the reason says which,
/// with the figures.
///
/// A gain is confirmed against drift (`confirm`): the state without the change is measured again after the change
/// was, and the change is kept only when it beats both measurements of the state without it. Searches made minutes
/// apart see a machine that changed in between (other work ending or starting); a change measured after the machine
/// got quieter looks better by the difference. With the state measured on both sides of it, a drift in either
/// direction shows on one side: in a clean-clone test run a setting the service ignores went from 186 to 239 req/s
/// as the suites beside it finished.
public enum TuneDecision {
    public struct Verdict: Sendable, Equatable {
        public var kept: Bool
        public var reason: String
    }

    public static func judge(before: CapacityResult, after: CapacityResult) -> Verdict {
        let comparison = CapacityComparison(before: before, after: after)
        let rates = "capacity \(text(before)) → \(text(after))"
        guard comparison.isBeyondUncertainty else {
            let why = comparison.uncertaintyText.map { " (\($0))" } ?? ""
            if before.maxSustainableRate == nil && after.maxSustainableRate == nil {
                return Verdict(kept: false, reason: "no rate held the SLO before or after it\(why)")
            }
            return Verdict(kept: false, reason: "\(rates): no gain beyond the searches' uncertainty\(why)")
        }
        if isHigher(after, than: before) {
            return Verdict(kept: true, reason: "\(rates) (\(comparison.changeText)), beyond the searches' uncertainty")
        }
        return Verdict(kept: false, reason: "\(rates) (\(comparison.changeText)): the service got worse")
    }

    /// The verdict of a change that `judge` kept, checked against the state without it measured again afterwards
    /// (`beforeAgain`): kept only when `after` lies above that measurement too.
    public static func confirm(_ first: Verdict, after: CapacityResult, beforeAgain: CapacityResult) -> Verdict {
        guard first.kept else { return first }
        let again = judge(before: beforeAgain, after: after)
        if again.kept {
            return Verdict(kept: true, reason: first.reason + "; and again against the state without it measured after it: "
                + "\(text(beforeAgain))")
        }
        return Verdict(kept: false, reason: first.reason + "; but the state without it, measured again after it, held "
            + "\(text(beforeAgain)): the gain was the machine changing between the searches, not the change")
    }

    /// True when `after` holds more than `before`: its interval lies above, or (results without intervals) its rate
    /// is higher, or it holds a rate where `before` held none.
    static func isHigher(_ after: CapacityResult, than before: CapacityResult) -> Bool {
        if let a = after.interval, let b = before.interval { return a.isAbove(b) }
        switch (before.maxSustainableRate, after.maxSustainableRate) {
        case let (b?, a?): return a > b
        case (nil, .some): return true
        default: return false
        }
    }

    /// `12.5 req/s [12.5, 13.8)`, or `none`.
    static func text(_ capacity: CapacityResult) -> String {
        guard let rate = capacity.maxSustainableRate else { return "none" }
        return CapacityText.rate(rate) + " req/s" + (capacity.interval.map { " " + $0.description.replacingOccurrences(of: " req/s", with: "") } ?? "")
    }
}
