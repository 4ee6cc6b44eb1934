// swift-tools-version:6.0
import PackageDescription

/// The ingest and store hot paths (a scrape's parse and commit, per sample) touch class properties per sample;
/// release builds leave out the run-time exclusivity checks there (about 4% of a scrape's CPU in profiles).
/// Debug builds, which the tests run, keep them, so an overlapping access still fails a test.
let hotPathSettings: [SwiftSetting] = [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "Osprey",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "osprey", targets: ["Osprey"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(
            name: "CZstd",
            path: "Sources/CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "OspreyCore"),
        .target(name: "ConfigReader", dependencies: ["OspreyCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "GoTemplate", dependencies: ["OspreyCore"]),
        .target(name: "Pipeline", dependencies: ["OspreyCore"]),
        .target(
            name: "MetricStore",
            dependencies: [
                "OspreyCore", "CZstd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: hotPathSettings
        ),
        .target(name: "PromQL", dependencies: ["OspreyCore", "MetricStore", "Pipeline"]),
        .target(
            name: "Rules",
            dependencies: [
                "OspreyCore", "MetricStore", "PromQL", "GoTemplate", "ConfigReader",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Alerting",
            dependencies: [
                "OspreyCore", "GoTemplate", "ConfigReader",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Ingest",
            dependencies: [
                "OspreyCore", "MetricStore", "Pipeline", "CZlib",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: hotPathSettings
        ),
        .target(
            name: "API",
            dependencies: [
                "OspreyCore", "MetricStore", "Ingest", "PromQL", "Rules", "Alerting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                // The gRPC server (API/GRPC) for OTLP/gRPC.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "Osprey",
            dependencies: [
                "OspreyCore", "MetricStore", "Ingest", "API", "Pipeline", "PromQL", "ConfigReader", "Rules", "Alerting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "osprey-bench",
            dependencies: [
                "OspreyCore", "Ingest",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Benchmarks/OspreyBench"
        ),
        .testTarget(name: "MetricStoreTests", dependencies: ["MetricStore", "OspreyCore"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "OspreyCore"]),
        .testTarget(name: "PromQLTests", dependencies: ["PromQL", "MetricStore", "OspreyCore"]),
        .testTarget(name: "IngestTests", dependencies: [
            "Ingest", "MetricStore", "OspreyCore", "Pipeline", .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "GoTemplateTests", dependencies: ["GoTemplate"]),
        .testTarget(name: "RulesTests", dependencies: ["Rules", "GoTemplate", "PromQL", "MetricStore", "OspreyCore", "ConfigReader"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "AlertingTests", dependencies: [
            "Alerting", "GoTemplate", "OspreyCore", "ConfigReader",
            .product(name: "MetricsTestKit", package: "swift-metrics"),
            // The local HTTP receiver the notifier tests send to.
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .testTarget(name: "EndToEndTests", dependencies: ["Ingest", "OspreyCore", "Pipeline", "PromQL", "MetricStore"],
                    exclude: ["Resources"]),
    ]
)
