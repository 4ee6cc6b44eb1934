// swift-tools-version:6.0
import PackageDescription

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
    ],
    targets: [
        .systemLibrary(
            name: "CZstd",
            path: "Sources/CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .target(name: "OspreyCore"),
        .target(
            name: "MetricStore",
            dependencies: [
                "OspreyCore", "CZstd",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "Ingest",
            dependencies: ["OspreyCore", "MetricStore"]
        ),
        .target(
            name: "API",
            dependencies: [
                "OspreyCore", "MetricStore", "Ingest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .executableTarget(
            name: "Osprey",
            dependencies: [
                "OspreyCore", "MetricStore", "Ingest", "API",
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
            dependencies: ["OspreyCore", "Ingest"],
            path: "Benchmarks/OspreyBench"
        ),
        .testTarget(name: "MetricStoreTests", dependencies: ["MetricStore", "OspreyCore"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "MetricStore", "OspreyCore"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Ingest", "OspreyCore"]),
    ]
)
