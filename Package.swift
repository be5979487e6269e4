// swift-tools-version:6.0
// lrsearch: find the best learning-rate schedule for a training run. No dependencies beyond the toolchain.
import PackageDescription

/// The hot numeric target is compiled without exclusivity checks; its inner loops are written over
/// unsafe buffers whose exclusivity is evident, and the tests run against the same flags.
/// On x86-64, `-target-cpu haswell` enables AVX2+FMA: without it `SIMD8.addProduct` becomes a libm
/// `fmaf` call per lane (0.8 GFLOP/s instead of ~100). arm64 has FMA and NEON in its baseline, so the
/// generic SIMD code needs no flag there (and `haswell` would not compile). `-Ounchecked` also in debug
/// builds: the trainer is then optimised in every configuration, so the debug test suite runs the code
/// that ships, at speed. (`#if arch` reads the machine building the manifest: native builds only.)
#if arch(x86_64)
let cpuFlags = ["-target-cpu", "haswell"]
#else
let cpuFlags: [String] = []
#endif
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked", "-Ounchecked"] + cpuFlags),
]

let package = Package(
    name: "lrsearch",
    products: [
        .executable(name: "lrsearch", targets: ["lrsearch"]),
        .library(name: "LRSchedules", targets: ["LRSchedules"]),
        .library(name: "Trainer", targets: ["Trainer"]),
        .library(name: "Search", targets: ["Search"]),
        .library(name: "LRSearchKit", targets: ["LRSearchKit"]),
    ],
    targets: [
        // MARK: - Foundations (no dependencies)
        .target(name: "JSON5"),
        .target(name: "LRSchedules"),

        // MARK: - Training
        .target(name: "Trainer", dependencies: ["LRSchedules"],
                resources: [.copy("Datasets")], swiftSettings: fastMath),

        // MARK: - Search and reporting
        .target(name: "Search", dependencies: ["JSON5", "LRSchedules", "Trainer"]),
        .target(name: "Reporting", dependencies: ["LRSchedules", "Trainer", "Search"]),
        // One search run from code (`SearchRun`) and its results folder: what the CLI and other callers share.
        .target(name: "LRSearchKit", dependencies: ["JSON5", "Trainer", "Search", "Reporting"]),

        // MARK: - Command line
        .target(name: "LRSearchCLI", dependencies: ["JSON5", "LRSchedules", "Trainer", "Search", "Reporting", "LRSearchKit"]),
        .executableTarget(name: "lrsearch", dependencies: ["LRSearchCLI"]),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["Trainer"], path: "Sources/TestSupport"),
        .testTarget(name: "JSON5Tests", dependencies: ["JSON5", "TestSupport"]),
        .testTarget(name: "LRSchedulesTests", dependencies: ["LRSchedules", "TestSupport"]),
        .testTarget(name: "TrainerTests", dependencies: ["Trainer", "LRSchedules", "TestSupport"]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ReportingTests", dependencies: ["Reporting", "TestSupport"]),
        .testTarget(name: "LRSearchKitTests", dependencies: ["LRSearchKit", "Search", "TestSupport"]),
        .testTarget(name: "LRSearchCLITests", dependencies: ["LRSearchCLI", "TestSupport"]),
    ]
)
