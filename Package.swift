// swift-tools-version:6.0
import PackageDescription

// Layering (each layer ignorant of those above it):
//   tollgate (CLI) → TollgateHTTP → TollgateEngine → TollgateLog → CLZ4, CChecksum
//         └─────────────────────────↗               ↘ TollgateBilling (imports none of ours)
/// Start-up (docs/engine.md, "Start-up"): generic types' metadata from direct accessor calls with their witness
/// tables, not from mangled names that the runtime demangles, checking each conformance by scanning all of them.
let directMetadataAccess: [SwiftSetting] = [
    .unsafeFlags(
        ["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"], .when(configuration: .release))
]

let package = Package(
    name: "Tollgate",
    products: [
        .executable(name: "tollgate", targets: ["tollgate"]),
        .library(name: "TollgateLog", targets: ["TollgateLog"]),
        .library(name: "TollgateBilling", targets: ["TollgateBilling"]),
        .library(name: "TollgateEngine", targets: ["TollgateEngine"]),
        .library(name: "TollgateHTTP", targets: ["TollgateHTTP"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        // Already a dependency of Hummingbird; named for NIOCore's `Channel` in the request context.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.65.0"),
        // Already a dependency of Hummingbird; named for the HTTP part types the debit fast path's channel handler
        // sees in Hummingbird's pipeline.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLZ4",
            pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]
        ),
        .target(name: "CChecksum"),
        .target(name: "TollgateLog", dependencies: ["CLZ4", "CChecksum"], swiftSettings: directMetadataAccess),
        .target(name: "TollgateBilling", swiftSettings: directMetadataAccess),
        .target(
            name: "TollgateEngine", dependencies: ["TollgateLog", "TollgateBilling"], swiftSettings: directMetadataAccess),
        .target(
            name: "TollgateHTTP",
            dependencies: [
                "TollgateEngine", "TollgateBilling",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                // For NIO's reason phrases: the debit fast path's front writes responses as NIO's encoder does.
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "tollgate",
            dependencies: [
                "TollgateEngine", "TollgateLog", "TollgateBilling", "TollgateHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: directMetadataAccess,
            // Start-up (docs/engine.md, "Start-up"): without `-export-dynamic` (added by `-static-stdlib`) the ~29k
            // symbols of our own modules stay out of the dynamic symbol table that the runtime's start-up `dladdr`
            // scans. Release builds on Linux only. The executable stays position-independent (ASLR for a network
            // service): linking it `-no-pie` saved ~1 ms more of relocations but gave that up, and against the
            // shared runtime (a release build without `--static-swift-stdlib`) it references protected symbols.
            linkerSettings: [
                .unsafeFlags(["-Xlinker", "--no-export-dynamic"], .when(platforms: [.linux], configuration: .release))
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
        .testTarget(
            name: "TollgateEngineTests",
            dependencies: ["TollgateEngine", "TollgateLog", "TollgateBilling", "TollgateSimulation"]),
        .testTarget(
            name: "TollgateHTTPTests",
            dependencies: [
                "TollgateHTTP", "TollgateEngine", "TollgateBilling",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ]
)
