// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Leapfrog",
    platforms: [.macOS(.v14)],
    products: [
        // MARK: - Public API
        .library(name: "Leapfrog", targets: ["Leapfrog"]),
        .executable(name: "leapfrog", targets: ["leapfrog"]),
        /// The C ABI (include/leapfrog.h) as a shared library, libLeapfrogC.so / .dylib: what the
        /// Python package in python/ loads.
        .library(name: "LeapfrogC", type: .dynamic, targets: ["LeapfrogC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // MARK: - Public API
        /// Umbrella module: re-exports the pieces a user needs.
        .target(name: "Leapfrog", dependencies: [
            "LeapfrogCore", "LeapfrogData", "LeapfrogModel", "LeapfrogReference", "LeapfrogModels",
            "LeapfrogRandom", "LeapfrogSampling", "LeapfrogDiagnostics", "LeapfrogOpenCL", "LeapfrogOutput",
            "LeapfrogStan", "LeapfrogRun", "LeapfrogPlot", "LeapfrogReport", "LeapfrogVariational",
        ]),
        /// The `leapfrog` command-line tool: a thin `main` over LeapfrogCommands.
        .executableTarget(name: "leapfrog", dependencies: ["LeapfrogCommands", "LeapfrogCore"]),

        // MARK: - Implementation modules (dependency order)
        /// Batch layout, the batched log-density protocol, shared errors.
        .target(name: "LeapfrogCore"),
        /// Philox-4x32-10 counter-based random numbers, identical to Kernels/philox.cl.
        .target(name: "LeapfrogRandom"),
        /// Data values and their loaders (CSV, CmdStan JSON).
        .target(name: "LeapfrogData", dependencies: ["LeapfrogCore"]),
        /// The model graph (IR): parameters, data declarations, operations, distributions, JSON form.
        .target(name: "LeapfrogModel", dependencies: ["LeapfrogCore", "LeapfrogData"]),
        /// CPU reference path: Double-precision reverse-mode AD over the graph.
        .target(name: "LeapfrogReference", dependencies: [
            "LeapfrogCore", "LeapfrogData", "LeapfrogModel",
            .product(name: "RealModule", package: "swift-numerics"),
        ]),
        /// Stan-language front end: a subset of Stan compiled to the model graph.
        .target(name: "LeapfrogStan", dependencies: ["LeapfrogCore", "LeapfrogData", "LeapfrogModel", "LeapfrogRandom"]),
        /// Built-in models by name (bnn, eight-schools, gp-regression, ...).
        .target(name: "LeapfrogModels", dependencies: ["LeapfrogCore", "LeapfrogData", "LeapfrogModel"]),
        /// Samplers (HMC, NUTS, ChEES-HMC) and warmup adaptation over a batch of chains.
        .target(name: "LeapfrogSampling", dependencies: ["LeapfrogCore", "LeapfrogRandom", "LeapfrogDiagnostics"]),
        /// Variational inference on the batched gradients: ADVI (mean-field, full-rank), Pareto k̂.
        .target(name: "LeapfrogVariational", dependencies: ["LeapfrogCore", "LeapfrogRandom"]),
        /// Convergence diagnostics on any draws: R-hat, ESS, MCSE, nested R-hat, E-BFMI.
        .target(name: "LeapfrogDiagnostics", dependencies: ["LeapfrogCore"]),
        /// OpenCL 1.2 C API: <CL/cl.h> (Debian: opencl-headers) at build time; the ICD loader
        /// (libOpenCL.so.1; Debian: ocl-icd-libopencl1, plus a driver such as pocl-opencl-icd) is
        /// loaded with dlopen at the first OpenCL call (OpenCLLibrary), so nothing links it.
        .target(name: "COpenCL"),
        /// Typed OpenCL wrappers, device discovery, kernel generation and the OpenCL back end.
        .target(name: "LeapfrogOpenCL", dependencies: ["COpenCL", "LeapfrogCore", "LeapfrogModel"],
                plugins: ["EmbedKernels"]),
        /// Embeds Kernels/*.cl into LeapfrogOpenCL as Swift string constants (no Bundle at run time).
        .plugin(name: "EmbedKernels", capability: .buildTool()),
        /// netCDF-4 C API for ArviZ InferenceData files: <netcdf.h> (Debian: libnetcdf-dev) at build
        /// time; the library itself is loaded with dlopen when a .nc file is used (NetCDFLibrary).
        .target(name: "CNetCDF"),
        /// The MPI calls Leapfrog makes (Open MPI), loaded with dlopen only under mpirun: no <mpi.h>
        /// or libmpi at build time.
        .target(name: "CMPI"),
        /// MPI ranks as members of a sharded run (`MPICommunicator`, a `ChainCommunicator`).
        .target(name: "LeapfrogMPI", dependencies: ["CMPI", "LeapfrogCore", "LeapfrogSampling"]),
        /// Streamed draw output: InferenceData NetCDF, Stan CSV, summary.json; readers for `diagnose`.
        .target(name: "LeapfrogOutput", dependencies: ["CNetCDF", "LeapfrogCore", "LeapfrogDiagnostics"]),
        /// The run layer: back ends behind a registry, and a complete sampling run (checks, warmup,
        /// sampling, streamed output, summary, warnings) as one library call.
        .target(name: "LeapfrogRun", dependencies: [
            "LeapfrogCore", "LeapfrogData", "LeapfrogModel", "LeapfrogModels", "LeapfrogReference", "LeapfrogSampling",
            "LeapfrogDiagnostics", "LeapfrogOpenCL", "LeapfrogOutput", "LeapfrogReport", "LeapfrogVariational",
        ]),
        /// SVG charts: nice-ticked axes, lines, bands, points, histograms, legends (Core for number formatting only).
        .target(name: "LeapfrogPlot", dependencies: ["LeapfrogCore"]),
        /// `report.html` for a run: the pictures (LeapfrogPlot) of its draws (LeapfrogOutput's readers).
        .target(name: "LeapfrogReport", dependencies: [
            "LeapfrogCore", "LeapfrogData", "LeapfrogModels", "LeapfrogDiagnostics", "LeapfrogOutput", "LeapfrogPlot",
        ]),
        /// The CLI's commands, as a library so tests can run them in-process.
        .target(name: "LeapfrogCommands", dependencies: [
            "Leapfrog", "LeapfrogMPI", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        /// The C ABI: `@_cdecl` functions over opaque handles (include/leapfrog.h): compile a model,
        /// evaluate it for a batch, run `sample` or `variational` with the CLI's options.
        .target(name: "LeapfrogC", dependencies: ["Leapfrog", "LeapfrogCommands"]),

        // MARK: - Tests (mirror Sources/)
        /// Shared test helpers: finite-difference gradient checks, locating ../shared/data.
        .target(name: "LeapfrogTestSupport", dependencies: ["LeapfrogReference", "LeapfrogModel", "LeapfrogData"],
                path: "Tests/LeapfrogTestSupport", resources: [.copy("Fixtures")]),
        .testTarget(name: "LeapfrogCoreTests", dependencies: ["LeapfrogCore"]),
        .testTarget(name: "LeapfrogRandomTests", dependencies: ["LeapfrogRandom", "LeapfrogTestSupport"]),
        .testTarget(name: "LeapfrogDataTests", dependencies: ["LeapfrogData"]),
        .testTarget(name: "LeapfrogModelTests", dependencies: ["LeapfrogModel", "LeapfrogReference", "LeapfrogTestSupport"]),
        .testTarget(name: "LeapfrogReferenceTests", dependencies: ["LeapfrogReference", "LeapfrogModel", "LeapfrogTestSupport"]),
        .testTarget(name: "LeapfrogModelsTests", dependencies: ["LeapfrogModels", "LeapfrogReference", "LeapfrogTestSupport"]),
        .testTarget(name: "LeapfrogSamplingTests", dependencies: ["LeapfrogSampling", "LeapfrogRandom"]),
        .testTarget(name: "LeapfrogVariationalTests", dependencies: ["LeapfrogVariational", "LeapfrogRandom", "LeapfrogCore"]),
        .testTarget(name: "LeapfrogDiagnosticsTests", dependencies: ["LeapfrogDiagnostics", "LeapfrogCore"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "LeapfrogOpenCLTests", dependencies: ["LeapfrogOpenCL", "LeapfrogReference", "LeapfrogModels", "LeapfrogRandom", "LeapfrogDiagnostics", "LeapfrogTestSupport"]),
        .testTarget(name: "LeapfrogStanTests", dependencies: ["LeapfrogStan", "LeapfrogReference", "LeapfrogModels", "LeapfrogTestSupport"]),
        .testTarget(name: "LeapfrogOutputTests", dependencies: ["LeapfrogOutput"]),
        .testTarget(name: "LeapfrogPlotTests", dependencies: ["LeapfrogPlot"]),
        .testTarget(name: "LeapfrogReportTests", dependencies: ["LeapfrogReport", "LeapfrogOutput", "LeapfrogPlot"]),
        .testTarget(name: "LeapfrogRunTests", dependencies: ["LeapfrogRun", "Leapfrog", "LeapfrogTestSupport"]),
        /// Integration: samplers on real models, across back ends.
        .testTarget(name: "LeapfrogTests", dependencies: ["Leapfrog", "LeapfrogTestSupport"]),
        .testTarget(name: "LeapfrogCommandsTests", dependencies: ["LeapfrogCommands", "LeapfrogTestSupport"]),
        .testTarget(name: "LeapfrogCTests", dependencies: ["LeapfrogC", "Leapfrog", "LeapfrogTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
