import Testing

@testable import DemoShop
import DemoShopData

@Suite struct ShopConfigurationTests {
    @Test func modeSetsEveryPracticeAndEachCanBeSwitchedAlone() throws {
        var configuration = ShopConfiguration(databaseURL: "")
        try configuration.apply(environment: [
            "SHOP_MODE": "tuned", "SHOP_CACHE": "off", "SHOP_POOL_SIZE": "12", "BUFFER_FLUSH_INTERVAL": "500ms",
            "BUFFER_SIZE_LIMIT": "50", "CACHE_TTL": "2m", "DATABASE_URL": "postgres://u@h/d",
        ])
        var expected = ShopPractices.all
        expected.cache = false
        #expect(configuration.practices == expected)
        #expect(configuration.effectivePoolSize == 12)
        #expect(configuration.auditFlushInterval == .milliseconds(500))
        #expect(configuration.auditBufferLimit == 50)
        #expect(configuration.cacheTTL == .seconds(120))
        #expect(configuration.databaseURL == "postgres://u@h/d")

        var naive = ShopConfiguration(databaseURL: "postgres://given@h/d")
        try naive.apply(environment: ["SHOP_BATCHED_LOADING": "on", "SHOP_POOL_SIZE": "12",
                                     "DATABASE_URL": "postgres://ignored@h/d"])
        #expect(naive.practices.batchedLoading && !naive.practices.cache && !naive.practices.prewarmedPool)
        #expect(naive.effectivePoolSize == ShopConfiguration.naivePoolSize, "the naive pool stays at 2")
        #expect(naive.databaseURL == "postgres://given@h/d")
    }

    @Test(arguments: [
        ["SHOP_MODE": "fast"], ["SHOP_CACHE": "maybe"], ["SHOP_POOL_SIZE": "0"], ["BUFFER_FLUSH_INTERVAL": "soon"],
        ["BUFFER_SIZE_LIMIT": "-3"], ["CACHE_TTL": "0s"],
    ])
    func badValuesNameTheVariable(environment: [String: String]) {
        var configuration = ShopConfiguration(databaseURL: "")
        #expect {
            try configuration.apply(environment: environment)
        } throws: { error in
            "\(error)".contains(environment.keys.first!)
        }
    }

    @Test func gzipAcceptanceFollowsQualityValues() {
        #expect(JSONResponder.acceptsGzip("gzip"))
        #expect(JSONResponder.acceptsGzip("br, gzip;q=0.5"))
        #expect(JSONResponder.acceptsGzip("*"))
        #expect(!JSONResponder.acceptsGzip("gzip;q=0"))
        #expect(!JSONResponder.acceptsGzip("br, deflate"))
        #expect(!JSONResponder.acceptsGzip(nil))
    }
}
