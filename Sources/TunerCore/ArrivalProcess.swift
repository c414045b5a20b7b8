/// How an open-model workload's requests are spaced in time at its rate.
public enum ArrivalProcess: String, Sendable, Codable, CaseIterable {
    /// Evenly spaced: request `n` at the moment the rate's integral reaches `n` (wrk2, k6's constant-arrival-rate).
    /// Kind to the service: no two requests come closer than the rate allows.
    case uniform
    /// At random, as independent users arrive: exponential gaps whose mean follows the rate (a Poisson process,
    /// time-varying with the stages). Bursts and lulls as in production; the rate random users can arrive at.
    case poisson

    /// `uniform` or `poisson`, or the one-line error that names both.
    public init(parsing text: String) throws(ParseError) {
        guard let value = ArrivalProcess(rawValue: text.lowercased()) else {
            throw ParseError("unknown arrival process '\(text)': use uniform (evenly spaced) or poisson (random, as users arrive)")
        }
        self = value
    }
}
