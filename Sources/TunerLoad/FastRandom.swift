import Foundation

/// wyrand: a small, fast generator for picking requests and `${random}` values on the hot path.
///
/// `SystemRandomNumberGenerator` makes a system call per draw on Linux; this does not, and a
/// copied state replays the same draws (the request encoder relies on that).
struct FastRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0xa076_1d64_78bd_642f
        let product = state.multipliedFullWidth(by: state ^ 0xe703_7ed1_a0b4_28db)
        return product.high ^ product.low
    }

    /// A draw from the exponential distribution of mean 1 (a Poisson process's gap at rate 1), by inversion of a
    /// uniform draw in (0, 1]: 53 random bits, never zero, so the gap is finite.
    mutating func exponential() -> Double {
        let uniform = (Double(next() >> 11) + 1) * 0x1p-53
        return -log(uniform)
    }

    /// A seed for one of several independent streams derived from `seed` (SplitMix64's finalizer over each part in
    /// turn): streams of nearby indices share no draws.
    static func mix(_ seed: UInt64, _ parts: UInt64...) -> UInt64 {
        var value = seed
        for part in parts {
            value = (value ^ part) &+ 0x9e37_79b9_7f4a_7c15
            value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
            value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
            value ^= value >> 31
        }
        return value
    }
}
