// swift-tools-version: 6.1
import PackageDescription

/// One set of settings for every target (as hummingbird does).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The load engine's hot path runs once per request at wrk's speed; in release builds it skips
/// the dynamic exclusivity checks (a runtime call on every class-property access). Debug builds,
/// and so the tests, keep them: an overlapping access still traps there.
let hotPathSettings: [SwiftSetting] = swiftSettings + [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "tuner",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tuner", targets: ["tuner"]),
        .executable(name: "demo-shop", targets: ["demo-shop"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "TunerCore",
            dependencies: [
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // epoll, eventfd and timerfd for the engine's own transport (Linux).
        .target(name: "CEpoll"),
        .target(
            name: "TunerLoad",
            dependencies: [
                "TunerCore",
                .target(name: "CEpoll", condition: .when(platforms: [.linux])),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            swiftSettings: hotPathSettings
        ),
        // posix_spawn's close-from action, so that children inherit no descriptor of Tuner's (Linux).
        .target(name: "CSpawn"),
        .target(
            name: "EmbeddedPostgres",
            dependencies: [
                .target(name: "CSpawn", condition: .when(platforms: [.linux])),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TunerPostgres",
            dependencies: [
                "TunerCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TunerReport",
            dependencies: ["TunerCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TunerConsole",
            dependencies: [
                "TunerCore", "TunerLoad", "TunerReport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TunerOrchestration",
            dependencies: [
                "TunerCore", "TunerLoad", "TunerPostgres", "TunerReport", "EmbeddedPostgres", .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // The demo: it may import the product; the product never imports it.
        .target(
            name: "DemoShopData",
            dependencies: [
                "TunerCore", "TunerPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DemoShop",
            dependencies: [
                "TunerCore", "TunerPostgres", "DemoShopData",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "TunerDemo",
            dependencies: [
                "TunerCore", "TunerLoad", "TunerPostgres", "TunerReport", "TunerOrchestration", "EmbeddedPostgres",
                "DemoShopData",
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "demo-shop",
            dependencies: [
                "DemoShop", "DemoShopData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "tuner",
            dependencies: [
                "TunerCore", "TunerLoad", "TunerPostgres", "EmbeddedPostgres", "TunerReport", "TunerOrchestration",
                "TunerConsole", "TunerDemo", "DemoShopData",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the tests share: the built binaries, one runner of them, free ports, one local HTTP server.
        .target(
            name: "TunerTestSupport",
            dependencies: [
                "EmbeddedPostgres",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Tests/TunerTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TunerCoreTests",
            dependencies: ["TunerCore", .product(name: "Histogram", package: "hdrhistogram-swift")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TunerLoadTests",
            dependencies: [
                "TunerLoad", "TunerCore", "TunerTestSupport",
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EmbeddedPostgresTests",
            dependencies: ["EmbeddedPostgres", .product(name: "PostgresNIO", package: "postgres-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TunerPostgresTests",
            dependencies: [
                "TunerPostgres", "EmbeddedPostgres", "TunerCore", "TunerReport", "TunerTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TunerReportTests",
            dependencies: ["TunerReport", "TunerCore", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DemoShopTests",
            dependencies: [
                "DemoShop", "DemoShopData", "EmbeddedPostgres", "TunerTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TunerOrchestrationTests",
            dependencies: [
                "TunerOrchestration", "TunerCore", "TunerLoad", "TunerPostgres", "TunerReport", "EmbeddedPostgres",
                "TunerDemo", "DemoShopData", "TunerTestSupport",
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TunerCLITests",
            dependencies: ["EmbeddedPostgres", "TunerCore", "TunerTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
    ]
)
