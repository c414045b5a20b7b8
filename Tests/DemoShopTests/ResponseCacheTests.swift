import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import DemoShop

@Suite struct ResponseCacheTests {
    @Test func concurrentMissesShareOneComputation() async throws {
        let cache = ResponseCache(timeToLive: .seconds(60))
        let computations = NIOLockedValueBox(0)
        try await withThrowingTaskGroup(of: ByteBuffer.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await cache.value(for: .report("r")) {
                        computations.withLockedValue { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(100))
                        return ByteBuffer(string: "body")
                    }
                }
            }
            for try await body in group { #expect(String(buffer: body) == "body") }
        }
        #expect(computations.withLockedValue { $0 } == 1)
        #expect(cache.counts == (hits: 19, misses: 1))
    }

    @Test func entriesExpire() async throws {
        // A clock moved by hand: however slow the machine, the entry is fresh until the test says it is not.
        let clock = NIOLockedValueBox(ContinuousClock.now)
        let cache = ResponseCache(timeToLive: .seconds(60)) { clock.withLockedValue { $0 } }
        let first = try await cache.value(for: .product(1)) { ByteBuffer(string: "one") }
        clock.withLockedValue { $0 += .seconds(59) }
        let cached = try await cache.value(for: .product(1)) { ByteBuffer(string: "two") }
        clock.withLockedValue { $0 += .seconds(2) }
        let expired = try await cache.value(for: .product(1)) { ByteBuffer(string: "three") }
        #expect([first, cached, expired].map { String(buffer: $0) } == ["one", "one", "three"])
    }

    @Test func invalidationDuringAComputationKeepsItsResultOutOfTheCache() async throws {
        let cache = ResponseCache(timeToLive: .seconds(60))
        let started = CountdownLatch(count: 2)
        async let stale = cache.value(for: .product(7)) {
            await started.arriveAndWait()
            try await Task.sleep(for: .milliseconds(100))
            return ByteBuffer(string: "before the write")
        }
        await started.arriveAndWait()
        cache.invalidate { $0 == .product(7) }
        #expect(String(buffer: try await stale) == "before the write")
        let fresh = try await cache.value(for: .product(7)) { ByteBuffer(string: "after the write") }
        #expect(String(buffer: fresh) == "after the write")
        let other = try await cache.value(for: .product(8)) { ByteBuffer(string: "eight") }
        cache.invalidate { if case .product(let id) = $0 { id == 7 } else { false } }
        #expect(try await cache.value(for: .product(8)) { ByteBuffer(string: "recomputed") } == other)
    }

    @Test func failuresAreNotCached() async throws {
        struct Planted: Error {}
        let cache = ResponseCache(timeToLive: .seconds(60))
        await #expect(throws: Planted.self) {
            try await cache.value(for: .product(1)) { throw Planted() }
        }
        #expect(String(buffer: try await cache.value(for: .product(1)) { ByteBuffer(string: "ok") }) == "ok")
    }
}
