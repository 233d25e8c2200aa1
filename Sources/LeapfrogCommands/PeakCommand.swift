import ArgumentParser
import Leapfrog
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `leapfrog bench peak`: the device's measured multiply-add rate (`PeakThroughput`), the ceiling
/// to read `bench throughput`'s gradients/s against (GFLOP/s = gradients/s × the model's flops per
/// gradient, docs/benchmarks.md's cost model).
struct PeakCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peak",
        abstract: "The OpenCL device's measured multiply-add rate in GFLOP/s (f32 and f64), the ceiling for kernel shares of peak.")

    @Option(help: "OpenCL device: an index from `leapfrog devices`, or part of its name (default: the first GPU, else the first device).")
    var device: String?
    @Option(help: "Precision to measure: f32, f64 or both (f64 only where the device has cl_khr_fp64).")
    var precision: PeakPrecision = .both
    @Option(parsing: .unconditional, help: "Seconds per precision, at most (after calibrating the launch to 0.1 s).")
    var seconds = 2.0
    @Flag(help: "One JSON object per precision instead of a line of text.") var json = false

    enum PeakPrecision: String, ExpressibleByArgument, CaseIterable { case f32, f64, both }

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive (got \(seconds))") }
    }

    func run() throws {
        let dev = try OpenCLRuntime.device(device)
        let info = try dev.info()
        var results: [PeakThroughput.Measurement] = []
        if precision != .f64 { results.append(try PeakThroughput.measure(Float.self, on: dev, seconds: seconds)) }
        if precision != .f32 {
            if info.supportsFP64 {
                results.append(try PeakThroughput.measure(Double.self, on: dev, seconds: seconds))
            } else if precision == .f64 {
                throw LeapfrogError(.device, "device '\(info.name)' has no double precision (cl_khr_fp64)")
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for r in results {
            if json {
                print(String(decoding: try encoder.encode(r), as: UTF8.self))
            } else {
                print("\(r.precision) on '\(r.device)': \(NumberFormat.significant(r.gflops, digits: 3)) GFLOP/s "
                      + "(\(r.workItems) work-items × \(r.width) lanes × \(PeakThroughput.recurrences) multiply-add chains, "
                      + "\(r.iterations) iterations in \(NumberFormat.significant(r.seconds, digits: 3)) s)")
            }
        }
    }
}
