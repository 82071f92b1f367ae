// swift-tools-version:6.0
import PackageDescription

// Layering (each layer ignorant of those above it):
//   tollgate (CLI) → TollgateEngine → TollgateLog → CLZ4, CChecksum
//                                  ↘ TollgateBilling (imports none of ours)
let package = Package(
    name: "Tollgate",
    products: [
        .executable(name: "tollgate", targets: ["tollgate"]),
        .library(name: "TollgateLog", targets: ["TollgateLog"]),
        .library(name: "TollgateBilling", targets: ["TollgateBilling"]),
        .library(name: "TollgateEngine", targets: ["TollgateEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        .target(name: "CChecksum"),
        .target(name: "TollgateLog", dependencies: ["CLZ4", "CChecksum"]),
        .target(name: "TollgateBilling"),
        .target(name: "TollgateEngine", dependencies: ["TollgateLog", "TollgateBilling"]),
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "TollgateEngine", "TollgateLog", "TollgateBilling",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Deterministic simulation (tests and `tollgate-simulate` only; no production module imports it).
        .target(name: "TollgateSimulation", dependencies: ["TollgateEngine", "TollgateLog", "TollgateBilling"]),
        .executableTarget(
            name: "tollgate-simulate",
            dependencies: [
                "TollgateSimulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "TollgateSimulationTests", dependencies: ["TollgateSimulation", "TollgateBilling"]),
        .testTarget(name: "TollgateLogTests", dependencies: ["TollgateLog"]),
        .testTarget(name: "TollgateBillingTests", dependencies: ["TollgateBilling"]),
        .testTarget(name: "TollgateEngineTests", dependencies: ["TollgateEngine", "TollgateLog", "TollgateBilling"]),
    ]
)
