// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Cohort",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cohort", targets: ["cohort"]),
        .library(name: "CohortEngine", targets: ["CohortEngine"]),
        .library(name: "CohortTUI", targets: ["CohortTUI"]),
        .library(name: "CohortStore", targets: ["CohortStore"]),
        .library(name: "CohortServer", targets: ["CohortServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        // The HTTP API (cohort serve): Hummingbird without its optional traits (swift-configuration,
        // full Foundation), AsyncHTTPClient for webhook deliveries (HummingbirdTesting needs it
        // anyway) and swift-crypto for hashing API tokens.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        .target(
            name: "CohortEngine",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            // The Spark job's runtime, embedded in every `cohort export spark`.
            resources: [.embedInCode("Export/spark_runtime.py")],
            // The engine's hot loops mutate arrays held by classes; the release build skips
            // the runtime exclusivity checks on them (the debug build, which runs the tests,
            // keeps them and would trap on a violation).
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        .target(
            name: "CohortTUI",
            dependencies: [
                "CohortEngine",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "CohortStore",
            dependencies: [
                "CohortEngine",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "CohortServer",
            dependencies: [
                "CohortEngine",
                "CohortStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // A child process for CohortStoreTests' crash test: writes to a store until killed.
        .executableTarget(name: "cohort-store-stress", dependencies: ["CohortStore"]),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        .executableTarget(
            name: "cohort",
            dependencies: [
                "CohortEngine",
                "CohortTUI",
                "CohortStore",
                "CohortServer",
                "CNcursesw",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CohortEngineTests", dependencies: ["CohortEngine"]),
        .testTarget(name: "CohortTUITests", dependencies: ["CohortTUI", "CohortEngine"], exclude: ["Snapshots"]),
        .testTarget(name: "cohortTests", dependencies: ["cohort", "CohortEngine", "CohortServer"]),
        .testTarget(
            name: "CohortServerTests",
            dependencies: [
                "CohortServer", "CohortEngine", "CohortStore",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "CohortStoreTests", dependencies: ["CohortStore", "CohortEngine", "cohort-store-stress"]),
    ],
    swiftLanguageModes: [.v6]
)
