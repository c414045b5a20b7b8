import Foundation
import TunerCore
import TunerOrchestration

/// Waits for the demo shop to finish what an earlier run left queued, so that a step starts clean.
enum DemoShopControl {
    static func waitUntilIdle(_ shop: ShopProcess, limit: Duration = .seconds(60), say: @Sendable (String) -> Void)
        async throws
    {
        guard let url = URL(string: shop.baseURL + "/metrics") else { return }
        let sampler = MetricsSampler(url: url)
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        var announced = false
        while clock.now < deadline {
            if let samples = try? await sampler.scrape(), let pool = PoolMetricsReader.sample(samples, second: 0),
               pool.inUse == 0 && pool.waiting == 0 {
                return
            }
            if !announced {
                say("  waiting for the shop to finish requests still queued from the last run")
                announced = true
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        say("  the shop was still busy after \(limit.shortDescription); measuring anyway")
    }
}
