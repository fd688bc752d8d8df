// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Cohort",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "cohort", targets: ["cohort"]),
        .library(name: "CohortEngine", targets: ["CohortEngine"]),
        .library(name: "CohortTUI", targets: ["CohortTUI"]),
        .library(name: "CohortStore", targets: ["CohortStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .target(
            name: "CohortEngine",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
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
        // A child process for CohortStoreTests' crash test: writes to a store until killed.
        .executableTarget(name: "cohort-store-stress", dependencies: ["CohortStore"]),
        .systemLibrary(name: "CNcursesw", path: "Sources/CNcursesw"),
        .executableTarget(
            name: "cohort",
            dependencies: [
                "CohortEngine",
                "CohortTUI",
                "CohortStore",
                "CNcursesw",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CohortEngineTests", dependencies: ["CohortEngine"]),
        .testTarget(name: "CohortTUITests", dependencies: ["CohortTUI", "CohortEngine"], exclude: ["Snapshots"]),
        .testTarget(name: "cohortTests", dependencies: ["cohort", "CohortEngine"]),
        .testTarget(name: "CohortStoreTests", dependencies: ["CohortStore", "CohortEngine", "cohort-store-stress"]),
    ],
    swiftLanguageModes: [.v6]
)
