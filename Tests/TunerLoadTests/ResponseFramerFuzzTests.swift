import Testing
@testable import TunerLoad

/// Seeded random mutations of valid responses: the framer must never crash, must frame the same
/// way wherever the bytes are split, and must agree with NIOHTTP1 whenever NIOHTTP1 accepts them.
@Suite struct ResponseFramerFuzzTests {
    static let interesting: [UInt8] = Array("\r\n: 0aF;,-\t".utf8) + [0, 0x7f, 0xff]

    static func mutate(_ input: [UInt8], random: inout FastRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &random) where !bytes.isEmpty {
            let at = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0: bytes[at] = UInt8.random(in: 0...255, using: &random)
            case 1: bytes[at] = interesting.randomElement(using: &random)!
            case 2: bytes.remove(at: at)
            case 3: bytes.insert(interesting.randomElement(using: &random)!, at: at)
            default:
                let end = min(bytes.count, at + Int.random(in: 1...8, using: &random))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            }
        }
        return bytes
    }

    @Test func mutatedResponsesNeverCrashAndAgreeWithNIO() {
        var random = FastRandom(seed: 20_240_601)
        let corpus = ResponseFramerTests.valid.filter { $0.bytes.count < 600 }
        var disagreements: [String] = []
        var accepted = 0
        let iterations = 20_000
        for iteration in 0..<iterations {
            let base = corpus[iteration % corpus.count]
            let bytes = Self.mutate(base.bytes, random: &random)
            let cut = Int.random(in: 0...bytes.count, using: &random)
            let whole = frameWithTuner(bytes, isHEAD: base.isHEAD, closeAtEnd: true)
            let split = frameWithTuner(bytes, cuts: [cut], isHEAD: base.isHEAD, closeAtEnd: true)
            #expect(whole == split, "split at \(cut) changed the framing of \(String(decoding: bytes, as: UTF8.self).debugDescription)")
            let nio = frameWithNIO(bytes, isHEAD: base.isHEAD, closeAtEnd: true)
            if !nio.failed {
                accepted += 1
                if !Self.agree(whole, nio, isHEAD: base.isHEAD) && disagreements.count < 10 {
                    disagreements.append("\(String(decoding: bytes, as: UTF8.self).debugDescription): ours \(whole), NIO \(nio)")
                }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
        #expect(accepted > iterations / 20)  // the mutations must leave enough valid inputs to compare
    }

    /// Equal framing, with two deliberate differences: status codes outside 100–599 are protocol
    /// errors for the engine (NIO passes them on); and for HEAD responses keep-alive is not compared
    /// (llhttp is not told about HEAD, so NIO calls a HEAD response without a length "close" where
    /// RFC 9112 keeps the connection).
    static func agree(_ ours: Framing, _ nio: Framing, isHEAD: [Bool]) -> Bool {
        if ours.failed, nio.responses.contains(where: { !(100...599).contains($0.status) }) { return true }
        guard isHEAD.contains(true) else { return ours == nio }
        func strip(_ f: Framing) -> Framing {
            var f = f
            for i in f.responses.indices { f.responses[i].isKeepAlive = true }
            return f
        }
        return strip(ours) == strip(nio)
    }

    @Test func randomBytesAreProtocolErrorsNotCrashes() {
        var random = FastRandom(seed: 7)
        for _ in 0..<5_000 {
            let bytes = (0..<Int.random(in: 1...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            let framing = frameWithTuner(bytes, isHEAD: [false], closeAtEnd: true)
            #expect(framing.failed || framing.responses.isEmpty == false)
        }
    }
}
