import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogOpenCL

/// Every OpenCL test lives in this suite (nested suites in the other files), run one test at a time:
/// PoCL compiles are CPU-heavy and the machine is shared.
@Suite(.serialized, .enabled(if: CLTest.available, "no OpenCL device"))
struct OpenCLTests {}

/// One context and queue for the whole test process, and a memo of built programs.
final class CLTest: @unchecked Sendable {
    let device: Device
    let info: DeviceInfo
    let context: Context
    let queue: CommandQueue
    private var programs: [String: Program] = [:]
    private let lock = NSLock()

    static let shared: CLTest? = try? CLTest()
    static var available: Bool { shared != nil }
    static var env: CLTest { shared! }

    /// A cache directory of the tests' own, kept between runs so that reruns skip compiles.
    static let cache = ProgramCache(directory: (NSTemporaryDirectory() as NSString).appendingPathComponent("leapfrog-tests-cache"))

    private init() throws {
        device = try OpenCLRuntime.device()
        info = try device.info()
        context = try Context(device: device)
        queue = try CommandQueue(context: context)
    }

    /// Native chains per work-item for `precision` on this device.
    func width(_ precision: Precision) -> Int { info.chainsPerWorkItem(precision) }

    func program(files: [String], extra: String = "", precision: Precision, width: Int,
                 defines: [String: String] = [:]) throws -> Program {
        let key = "\(files)|\(extra.hashValue)|\(extra.count)|\(precision)|\(width)|\(defines.sorted { $0.key < $1.key })"
        lock.lock(); defer { lock.unlock() }
        if let program = programs[key] { return program }
        let program = try KernelLibrary.build(context: context, files: files, extra: extra, precision: precision,
                                              width: width, defines: defines, cache: CLTest.cache)
        programs[key] = program
        return program
    }

    func buffer<R: DeviceReal>(_ values: [Double], as: R.Type) throws -> Buffer<R> {
        try Buffer(context: context, values: values.map { R($0) })
    }

    /// Runs a test kernel `name(__global const real* in, __global real* out, int stride)` over
    /// `inputs` (columns, one value per chain) and returns `outputs` columns, unpadded, as Double.
    func runColumns<R: DeviceReal>(_ type: R.Type, program: Program, kernel name: String, width: Int,
                                   inputs: [[Double]], outputs: Int, local: Int = 16) throws -> [[Double]] {
        let chains = inputs[0].count
        let layout = ChainLayout(chains: chains, width: width, localSize: local)
        let packed = layout.pad(inputs.flatMap { $0 }, dimension: inputs.count)
        let input = try buffer(packed, as: R.self)
        let output = try Buffer<R>(context: context, count: outputs * layout.stride)
        let kernel = try Kernel(program: program, name: name)
        try kernel.setArg(0, input)
        try kernel.setArg(1, output)
        try kernel.setArg(2, Int32(layout.stride))
        try queue.enqueue(kernel, global: layout.workItems, local: local).wait()
        let flat = layout.unpad(try output.read(queue: queue).map { Double($0) }, dimension: outputs)
        return (0..<outputs).map { Array(flat[($0 * chains)..<(($0 + 1) * chains)]) }
    }
}

/// A tolerance check that accepts equal infinities and two NaNs, and otherwise requires
/// |actual − expected| ≤ tolerance · max(floor, |expected|).
func close(_ actual: Double, _ expected: Double, _ tolerance: Double, floor: Double = 1) -> Bool {
    if expected.isNaN { return actual.isNaN }
    if expected.isInfinite { return actual == expected }
    return abs(actual - expected) <= tolerance * max(floor, abs(expected))
}

/// Reports the worst few mismatches of a column, with their inputs.
func expectClose(_ actual: [Double], _ expected: [Double], tolerance: Double, floor: Double = 1,
                 _ label: String, inputs: (Int) -> String = { _ in "" },
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(label): count", sourceLocation: sourceLocation)
    var failures: [String] = []
    for i in 0..<min(actual.count, expected.count) where !close(actual[i], expected[i], tolerance, floor: floor) {
        if failures.count < 5 { failures.append("[\(i)] got \(actual[i]) expected \(expected[i]) at \(inputs(i))") }
        else { failures.append(""); break }
    }
    #expect(failures.isEmpty, "\(label): \(failures.joined(separator: "; "))", sourceLocation: sourceLocation)
}

/// SplitMix64: a small seeded generator for test inputs.
struct TestRNG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) * 0x1p-53
    }
    mutating func logUniform(_ lo: Double, _ hi: Double) -> Double {
        exp(uniform(log(lo), log(hi)))
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}

/// Tolerances of the brief: f64 1e-12, f32 ~1e-5 (relative, with an absolute floor).
func tolerance(_ precision: Precision) -> Double { precision == .double ? 1e-12 : 2e-5 }

/// The values a float program sees: inputs rounded to Float.
func rounded(_ values: [Double], _ precision: Precision) -> [Double] {
    precision == .double ? values : values.map { Double(Float($0)) }
}
