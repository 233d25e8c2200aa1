import LeapfrogCore

/// A device's multiply-add rate (Kernels/peak.cl), measured: the ceiling a model kernel's
/// GFLOP/s is a share of. A datasheet's peak (units × lanes × 2 flops × clock) assumes what a
/// virtual machine may not give — a 2-core "AMD EPYC" guest here reported AVX2 but sustained
/// 16 f32 flops per cycle per core, half the formula's 32 (docs/benchmarks.md) — so shares of
/// peak in the docs are taken against this.
///
/// Cost model: `recurrences` · W lanes · 2 flops per work-item and iteration, no memory traffic in
/// the loop; one launch, one blocking read of W reals per work-item at the end.
public enum PeakThroughput {
    /// Independent recurrences per work-item (`LF_PEAK_RECURRENCES` in peak.cl).
    public static let recurrences = 12
    /// The recurrence a ← a · m + b contracts to b / (1 − m) = 1 (m = 0.999, b = 0.001), so the
    /// sums stay finite and well-conditioned for any number of iterations.
    public static let multiplier = 0.999
    public static let addend = 0.001

    public struct Measurement: Sendable, Hashable, Codable {
        public var device: String
        public var precision: String
        /// Billions of floating-point operations per second (a multiply-add counts 2).
        public var gflops: Double
        public var workItems: Int
        /// Lanes per work-item (the device's native vector width on CPUs, 1 on GPUs).
        public var width: Int
        public var iterations: Int
        /// The fastest launch's wall time.
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case device, precision, gflops, width, iterations, seconds
            case workItems = "work_items"
        }
    }

    /// The starts of every work-item's recurrences: `recurrences` × `width` values, lane-fastest;
    /// work-item i adds i to them (peak.cl).
    public static func starts(width: Int) -> [Double] {
        (0..<(recurrences * width)).map { 0.5 + Double($0) / Double(recurrences * width) }
    }

    /// The host twin of `lf_peak_fma`: each work-item's W lane sums of its recurrences after
    /// `iterations` fused multiply-adds, in `R`'s arithmetic (`addingProduct` rounds once, as
    /// OpenCL's `fma`), summed in the kernel's order.
    public static func hostSums<R: DeviceReal>(_: R.Type, workItems: Int, width: Int, iterations: Int) -> [Double] {
        let s = starts(width: width).map { R($0) }
        let (m, b) = (R(multiplier), R(addend))
        var sums = [Double](repeating: 0, count: workItems * width)
        for item in 0..<workItems {
            for lane in 0..<width {
                var total = R(0)
                for k in 0..<recurrences {
                    var a = s[k * width + lane] + R(Double(item))
                    for _ in 0..<iterations { a = b.addingProduct(a, m) }
                    total = k == 0 ? a : total + a
                }
                sums[item * width + lane] = Double(total)
            }
        }
        return sums
    }

    /// One launch of `workItems` work-items of `width` lanes for `iterations` iterations; the
    /// lane sums (`hostSums`' layout) and the launch's wall time.
    public static func run<R: DeviceReal>(_: R.Type, queue: CommandQueue, workItems: Int, width: Int, iterations: Int,
                                          cache: ProgramCache? = ProgramCache.default) throws -> (sums: [Double], seconds: Double) {
        let launcher = try Launcher<R>(queue: queue, workItems: workItems, width: width, cache: cache)
        let seconds = try launcher.time(iterations: iterations)
        return (try launcher.sums(), seconds)
    }

    /// The kernel with its arguments set and its buffers made, once per measurement.
    private struct Launcher<R: DeviceReal> {
        let queue: CommandQueue
        let kernel: Kernel
        /// Held here: a kernel argument does not keep its buffer alive.
        let startsBuffer, sumsBuffer: Buffer<R>
        let workItems: Int
        let local: Int

        init(queue: CommandQueue, workItems: Int, width: Int, cache: ProgramCache?) throws {
            local = min(try queue.context.device.info().defaultLocalSize, workItems)
            precondition(workItems % local == 0, "PeakThroughput: \(workItems) work-items are not whole groups of \(local)")
            let program = try KernelLibrary.build(context: queue.context, files: ["peak"], precision: R.precision,
                                                  width: width, cache: cache)
            kernel = try Kernel(program: program, name: "lf_peak_fma")
            startsBuffer = try Buffer<R>(context: queue.context, values: PeakThroughput.starts(width: width).map { R($0) },
                                         queue: queue)
            sumsBuffer = try Buffer<R>(context: queue.context, count: workItems * width)
            try kernel.setArg(0, startsBuffer)
            try kernel.setArg(1, sumsBuffer)
            try kernel.setArg(2, R(multiplier))
            try kernel.setArg(3, R(addend))
            self.queue = queue
            self.workItems = workItems
        }

        /// The wall time of one launch of `iterations` iterations.
        func time(iterations: Int) throws -> Double {
            try kernel.setArg(4, Int32(iterations))
            try queue.finish()
            let t0 = Clock.now()
            try queue.enqueue(kernel, global: [workItems], local: [local])
            try queue.finish()
            return Clock.now() - t0
        }

        func sums() throws -> [Double] { try sumsBuffer.read(queue: queue).map { Double($0) } }
    }

    /// The device's rate in `R`: enough work-items to fill it (64 per compute unit on CPUs,
    /// 2,048 on GPUs), iterations doubled until a launch takes 0.1 s, then the fastest of three
    /// launches within `seconds`.
    public static func measure<R: DeviceReal>(_: R.Type, on device: Device, seconds: Double = 2,
                                              cache: ProgramCache? = ProgramCache.default) throws -> Measurement {
        let info = try device.info()
        let queue = try CommandQueue(context: try Context(device: device))
        let width = info.chainsPerWorkItem(R.precision)
        let local = info.defaultLocalSize
        let perUnit = info.type == .cpu ? 64 : 2048
        let workItems = max(1, info.computeUnits * perUnit / local) * local
        let launcher = try Launcher<R>(queue: queue, workItems: workItems, width: width, cache: cache)
        var iterations = 64
        var best = Double.infinity
        _ = try launcher.time(iterations: 1)
        while iterations < 1 << 24 {
            let t = try launcher.time(iterations: iterations)
            if t >= 0.1 { best = t; break }
            iterations *= 2
        }
        let deadline = Clock.now() + seconds
        for _ in 0..<3 where Clock.now() < deadline { best = min(best, try launcher.time(iterations: iterations)) }
        let flops = 2.0 * Double(recurrences * width * workItems) * Double(iterations)
        return Measurement(device: info.name, precision: R.precision == .double ? "f64" : "f32", gflops: flops / best / 1e9,
                           workItems: workItems, width: width, iterations: iterations, seconds: best)
    }
}
