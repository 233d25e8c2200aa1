import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogOpenCL

/// The Swift twin of integrator.cl, on unpadded chain-fastest arrays.
enum IntegratorTwin {
    /// Inverse metric entry (i, j) of chain c: shared or per chain.
    static func metric(_ m: [Double], _ index: Int, chain c: Int, chains: Int, perChain: Bool) -> Double {
        perChain ? m[index * chains + c] : m[index]
    }

    static func velocity(_ p: [Double], _ m: [Double], _ kind: IntegratorKernels<Double>.Metric, chain c: Int,
                         chains n: Int, dim: Int, perChain: Bool) -> [Double] {
        (0..<dim).map { i in
            switch kind {
            case .unit: return p[i * n + c]
            case .diagonal: return metric(m, i, chain: c, chains: n, perChain: perChain) * p[i * n + c]
            case .dense:
                return (0..<dim).reduce(0.0) { $0 + metric(m, i * dim + $1, chain: c, chains: n, perChain: perChain) * p[$1 * n + c] }
            }
        }
    }
}

extension OpenCLTests {
    @Suite struct Integrator {
        static let configurations: [(Precision, Int, Bool)] = [
            (.double, 1, false), (.double, 4, false), (.double, 4, true), (.float, 8, false), (.float, 1, true),
        ]

        @Test(arguments: [1, 7, 1000])
        func kernelsMatchSwiftTwin(chains n: Int) throws {
            for (precision, width, perChain) in Self.configurations {
                if precision == .double {
                    try check(Double.self, chains: n, width: width, perChain: perChain)
                } else {
                    try check(Float.self, chains: n, width: width, perChain: perChain)
                }
            }
        }

        func check<T: DeviceReal>(_: T.Type, chains n: Int, width: Int, perChain: Bool) throws {
            let env = CLTest.env
            let dim = 5
            let precision = T.precision
            var rng = TestRNG(seed: UInt64(n * 31 + width))
            let q0 = rounded((0..<(dim * n)).map { _ in rng.uniform(-2, 2) }, precision)
            let p0 = rounded((0..<(dim * n)).map { _ in rng.uniform(-2, 2) }, precision)
            let g = rounded((0..<(dim * n)).map { _ in rng.uniform(-3, 3) }, precision)
            let eps = rounded((0..<n).map { _ in rng.logUniform(0.01, 0.5) }, precision)
            let copies = perChain ? n : 1
            let diag = rounded((0..<(dim * copies)).map { _ in rng.logUniform(0.2, 5) }, precision)
            // A symmetric positive definite dense metric A Aᵀ + I per copy, stored entry-major.
            var dense = [Double](repeating: 0, count: dim * dim * copies)
            for c in 0..<copies {
                let a = (0..<(dim * dim)).map { _ in rng.uniform(-1, 1) }
                for i in 0..<dim {
                    for j in 0..<dim {
                        let v = (0..<dim).reduce(i == j ? 1.0 : 0.0) { $0 + a[i * dim + $1] * a[j * dim + $1] }
                        dense[(i * dim + j) * copies + c] = v
                    }
                }
            }
            dense = rounded(dense, precision)

            let kernels = try IntegratorKernels<T>(queue: env.queue, chains: n, dimension: dim, width: width,
                                                   localSize: 16, perChainMetric: perChain, cache: CLTest.cache)
            let layout = kernels.layout
            func upload(_ values: [Double], dimension: Int) throws -> Buffer<T> {
                try env.buffer(layout.pad(values, dimension: dimension), as: T.self)
            }
            func download(_ buffer: Buffer<T>, dimension: Int) throws -> [Double] {
                layout.unpad(try buffer.read(queue: env.queue).map { Double($0) }, dimension: dimension)
            }
            let metricBuffers: [IntegratorKernels<T>.Metric: Buffer<T>] = [
                .diagonal: perChain ? try upload(diag, dimension: dim) : try env.buffer(diag, as: T.self),
                .dense: perChain ? try upload(dense, dimension: dim * dim) : try env.buffer(dense, as: T.self),
            ]
            let tol = precision == .double ? 1e-13 : 1e-5
            let label = "\(precision) W=\(width) perChain=\(perChain) chains=\(n)"

            // Momentum half step.
            let p = try upload(p0, dimension: dim)
            let grad = try upload(g, dimension: dim)
            let steps = try upload(eps, dimension: 1)
            try kernels.momentumStep(momentum: p, gradient: grad, stepSizes: steps, fraction: T(0.5))
            let pHalf = (0..<(dim * n)).map { p0[$0] + 0.5 * eps[$0 % n] * g[$0] }
            expectClose(try download(p, dimension: dim), pHalf, tolerance: tol, "momentum half step \(label)")

            for metric in IntegratorKernels<T>.Metric.allCases {
                let twinMetric = IntegratorKernels<Double>.Metric(rawValue: metric.rawValue)!
                let m = metric == .dense ? dense : diag
                // Position full step from q0 with the half-stepped momentum.
                let q = try upload(q0, dimension: dim)
                try kernels.positionStep(position: q, momentum: p, stepSizes: steps, metric: metric,
                                         inverseMetric: metricBuffers[metric])
                let pHost = try download(p, dimension: dim)
                var qExpected = q0
                for c in 0..<n {
                    let v = IntegratorTwin.velocity(pHost, m, twinMetric, chain: c, chains: n, dim: dim, perChain: perChain)
                    for i in 0..<dim { qExpected[i * n + c] += eps[c] * v[i] }
                }
                expectClose(try download(q, dimension: dim), qExpected, tolerance: tol, "position step \(metric) \(label)")

                // Kinetic energy.
                let ke = try Buffer<T>(context: env.context, count: layout.stride)
                try kernels.kineticEnergy(momentum: p, metric: metric, inverseMetric: metricBuffers[metric], into: ke)
                let keExpected = (0..<n).map { c -> Double in
                    let v = IntegratorTwin.velocity(pHost, m, twinMetric, chain: c, chains: n, dim: dim, perChain: perChain)
                    return 0.5 * (0..<dim).reduce(0.0) { $0 + pHost[$1 * n + c] * v[$1] }
                }
                expectClose(try download(ke, dimension: 1), keExpected, tolerance: tol, "kinetic energy \(metric) \(label)")
            }
        }

        @Test func missingMetricBufferIsAConfigurationError() throws {
            let env = CLTest.env
            let kernels = try IntegratorKernels<Double>(queue: env.queue, chains: 3, dimension: 2, width: 1, localSize: 16,
                                                        cache: CLTest.cache)
            let b = try Buffer<Double>(context: env.context, count: 2 * kernels.layout.stride)
            let e = try Buffer<Double>(context: env.context, count: kernels.layout.stride)
            #expect(throws: LeapfrogError.self) {
                try kernels.positionStep(position: b, momentum: b, stepSizes: e, metric: .dense)
            }
        }
    }

    @Suite struct Reductions {
        @Test(arguments: [(1, 64), (1000, 64), (12345, 48), (777, 7)])
        func workGroupSumMatches(n: Int, local: Int) throws {
            let env = CLTest.env
            let program = try env.program(files: ["reductions"], precision: .double, width: 1)
            var rng = TestRNG(seed: UInt64(n))
            let x = (0..<n).map { _ in rng.uniform(-1, 1) }
            let groups = 4
            let input = try env.buffer(x, as: Double.self)
            let partial = try Buffer<Double>(context: env.context, count: groups)
            let kernel = try Kernel(program: program, name: "reduce_sum")
            try kernel.setArg(0, input)
            try kernel.setArg(1, partial)
            try kernel.setLocalMemory(2, bytes: local * 8)
            try kernel.setArg(3, Int32(n))
            try env.queue.enqueue(kernel, global: groups * local, local: local).wait()
            let total = try partial.read(queue: env.queue).reduce(0, +)
            #expect(close(total, x.reduce(0, +), 1e-12, floor: 1), "n=\(n) local=\(local)")
        }

        @Test(arguments: [1, 7, 1000])
        func perChainRowSumsMatch(chains n: Int) throws {
            let env = CLTest.env
            for (precision, width) in [(Precision.double, 4), (Precision.float, 8)] {
                let program = try env.program(files: ["reductions"], precision: precision, width: width)
                let layout = ChainLayout(chains: n, width: width, localSize: 16)
                let rows = 9
                var rng = TestRNG(seed: 5)
                let x = rounded((0..<(rows * n)).map { _ in rng.uniform(-1, 1) }, precision)
                let expected = (0..<n).map { c in (0..<rows).reduce(0.0) { $0 + x[$1 * n + c] } }
                func run<T: DeviceReal>(_: T.Type) throws -> [Double] {
                    let input = try env.buffer(layout.pad(x, dimension: rows), as: T.self)
                    let out = try Buffer<T>(context: env.context, count: layout.stride)
                    let kernel = try Kernel(program: program, name: "sum_rows")
                    try kernel.setArg(0, input)
                    try kernel.setArg(1, out)
                    try kernel.setArg(2, Int32(rows))
                    try kernel.setArg(3, Int32(layout.stride))
                    try env.queue.enqueue(kernel, global: layout.workItems, local: layout.localSize).wait()
                    return layout.unpad(try out.read(queue: env.queue).map { Double($0) }, dimension: 1)
                }
                let actual = precision == .double ? try run(Double.self) : try run(Float.self)
                expectClose(actual, expected, tolerance: precision == .double ? 1e-13 : 1e-5, "sum_rows \(precision) chains=\(n)")
            }
        }
    }
}
