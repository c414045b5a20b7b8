import Foundation

/// Where the service spent its CPU during the steady part of a run, from a profile it served (Go's
/// net/http/pprof, `--pprof URL`): the functions with the largest shares.
public struct CPUProfile: Codable, Sendable, Equatable {
    /// The URL the profile came from.
    public var source: String
    /// How long the profile sampled, in seconds.
    public var seconds: Double
    /// Seconds since the start of the load when the profile was asked for (when sampling began).
    public var startSecond: Double
    /// The value the shares are of: `cpu nanoseconds`, or `samples count` when the profile has no time.
    public var measure: String
    /// The profile's total of that value (CPU seconds when the measure is CPU time).
    public var total: Double
    public var samples: Int
    /// The functions with the largest own (flat) or inclusive (cumulative) shares, largest flat first.
    public var functions: [Function]

    public struct Function: Codable, Sendable, Equatable {
        /// `main.checksum`, `encoding/json.(*encodeState).marshal`.
        public var name: String
        /// The source line most samples of this function were on, as `file:line`.
        public var location: String?
        /// Share of the total spent in the function itself.
        public var flat: Double
        /// Share of the total spent in it or in what it called.
        public var cumulative: Double

        public init(name: String, location: String?, flat: Double, cumulative: Double) {
            self.name = name
            self.location = location
            self.flat = flat
            self.cumulative = cumulative
        }
    }

    public init(source: String, seconds: Double, startSecond: Double, measure: String, total: Double, samples: Int,
                functions: [Function]) {
        self.source = source
        self.seconds = seconds
        self.startSecond = startSecond
        self.measure = measure
        self.total = total
        self.samples = samples
        self.functions = functions
    }

    /// CPU seconds sampled, when the measure is CPU time.
    public var cpuSeconds: Double? { measure == "cpu nanoseconds" ? total / 1e9 : nil }

    /// The function with the largest flat share: the profile's bottleneck.
    public var top: Function? { functions.max { $0.flat < $1.flat } }

    /// The largest cumulative share of a function of `package` (`encoding/json`): how much of the CPU went
    /// through it, callees included. Zero when none of the kept functions is in it.
    public func cumulativeShare(ofPackage package: String) -> Double {
        functions.filter { $0.name.hasPrefix(package + ".") }.map(\.cumulative).max() ?? 0
    }
}
