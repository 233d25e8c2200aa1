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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: InterruptTests.binary)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LEAPFROG_OPENCL_LIBRARY"] = "/nonexistent/libOpenCL.so"
        process.environment = environment
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
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
}
