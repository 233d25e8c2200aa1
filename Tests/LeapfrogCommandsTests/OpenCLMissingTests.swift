import Foundation
import Leapfrog
import Testing

/// The `leapfrog` binary where the OpenCL ICD loader cannot be loaded (`LEAPFROG_OPENCL_LIBRARY`
/// pointing nowhere, as on a machine without libOpenCL.so.1): `--backend cpu` samples without
/// touching OpenCL, `--backend auto` falls back to the CPU reference and says why, and `--backend
/// opencl` and `devices` fail with a message that names the library and says what to install.
/// A subprocess, since a process loads the library (or fails to) once.
struct OpenCLMissingTests {
    func run(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try runLeapfrog(arguments, environment: ["LEAPFROG_OPENCL_LIBRARY": "/nonexistent/libOpenCL.so"])
    }

    let sample = ["sample", "eight-schools", "--chains", "2", "--warmup", "50", "--draws", "50"]
    let reason = "OpenCL is not available: the OpenCL library could not be loaded (/nonexistent/libOpenCL.so: "
    let advice = "apt install ocl-icd-libopencl1 pocl-opencl-icd"

    @Test func cpuBackendSamplesWithoutOpenCL() throws {
        let result = try run(sample + ["--backend", "cpu"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("on cpu (reference, f64)"), "\(result.stdout)")
        #expect(!result.stderr.contains("OpenCL"), "\(result.stderr)")
    }

    @Test func autoFallsBackToTheCPUReferenceSayingWhy() throws {
        let result = try run(sample + ["--backend", "auto"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("auto: not using OpenCL (\(reason)"), "\(result.stderr)")
        #expect(result.stderr.contains(advice))
        #expect(result.stderr.contains("); using the CPU reference"))
        #expect(result.stdout.contains("on cpu (reference, f64)"), "\(result.stdout)")
    }

    @Test func openCLBackendFailsSayingWhatToInstall() throws {
        let result = try run(sample + ["--backend", "opencl"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(reason), "\(result.stderr)")
        #expect(result.stderr.contains(advice))
    }

    @Test func devicesSaysWhatToInstall() throws {
        let result = try run(["devices"])
        #expect(result.status != 0)
        #expect(result.stderr.contains(reason), "\(result.stderr)")
        #expect(result.stderr.contains(advice))
        #expect(result.stderr.contains("or use --backend cpu"))
    }

    /// Nothing links OpenCL or netCDF: the binary's NEEDED entries (`readelf -d`, from binutils,
    /// which PoCL needs anyway) name neither, so a machine without them still runs `--backend cpu`.
    @Test func theBinaryLinksNeitherOpenCLNorNetCDF() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["readelf", "-d", InterruptTests.binary]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = Pipe()
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "readelf -d failed")
        let needed = text.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(!needed.isEmpty, "no NEEDED entries in \(text)")
        #expect(!needed.contains { $0.contains("OpenCL") || $0.contains("netcdf") }, "\(needed)")
    }
}
