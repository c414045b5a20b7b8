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
}
