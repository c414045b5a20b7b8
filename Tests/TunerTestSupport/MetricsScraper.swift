import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Scrapes a `--metrics-listen` endpoint every 200 ms while a run goes on, on a thread of its own (other suites can
/// hold the cooperative pool for seconds), keeping the pages that contain `marker`.
public final class MetricsScraper: Sendable {
    private let pages = LockedBox<[String]>([])
    private let running = LockedBox(true)

    public init(port: Int, keepingPagesWith marker: String) {
        let (pages, running) = (self.pages, self.running)
        Thread.detachNewThread {
            let metrics = URL(string: "http://127.0.0.1:\(port)/metrics")!
            while running.get() {
                let fetched = DispatchSemaphore(value: 0)
                URLSession.shared.dataTask(with: metrics) { data, _, _ in
                    let page = String(decoding: data ?? Data(), as: UTF8.self)
                    if page.contains(marker) { pages.withLockedValue { $0.append(page) } }
                    fetched.signal()
                }.resume()
                fetched.wait()
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    /// Stops scraping and returns the pages kept, oldest first.
    @discardableResult
    public func stop() -> [String] {
        running.set(false)
        return pages.get()
    }

    deinit { running.set(false) }
}
