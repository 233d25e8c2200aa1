// swift-tools-version: 6.1
// Leapfrog's benchmark suite, a package of its own so that users of the library never resolve
// benchmark dependencies. Run from this folder:
//
//     swift package --disable-sandbox benchmark                       # every benchmark
//     swift package --disable-sandbox benchmark --filter "bnn.*"      # a subset
//
// (package-benchmark, ordo-one/benchmark; see docs/benchmarks.md). The scripts beside this file
// (throughput.sh, ess.sh, peers/) measure the CLI end to end instead.
import PackageDescription

let package = Package(
    name: "LeapfrogBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Leapfrog", path: ".."),
        // Only the malloc interposer trait: the default runtime-interposer trait pulls a package
        // this build machine cannot fetch.
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "GradientThroughput",
            dependencies: [
                .product(name: "Leapfrog", package: "Leapfrog"),
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "GradientThroughput",
            swiftSettings: [.swiftLanguageMode(.v5)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
