import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogOpenCL

/// One distribution of distributions.cl: its kernel function, its arguments, which of them have
/// derivatives (in order), a Double reference (log density and those derivatives) and a sampler
/// of test points.
struct DistributionCase: Sendable {
    let name: String
    let function: String
    let arity: Int
    let differentiable: [Int]
    let reference: @Sendable ([Double]) -> (Double, [Double])
    let sample: @Sendable (inout TestRNG) -> [Double]
}

private let logSqrtTwoPi: Double = 0.5 * log(2 * Double.pi)

/// Double references written from the textbook densities, with explicit types (fast to type-check).
enum DistributionReference {
    static func normal(_ a: [Double]) -> (Double, [Double]) {
        let y = a[0], mu = a[1], s = a[2]
        let d: Double = y - mu
        let s2: Double = s * s
        let lp: Double = -log(s * (2 * Double.pi).squareRoot()) - d * d / (2 * s2)
        let dy: Double = -d / s2
        let ds: Double = (d * d / s2 - 1) / s
        return (lp, [dy, -dy, ds])
    }
    static func halfNormal(_ a: [Double]) -> (Double, [Double]) {
        let y = a[0], s = a[1]
        let s2: Double = s * s
        let lp: Double = y < 0 ? -Double.infinity : log(2.0) - logSqrtTwoPi - log(s) - y * y / (2 * s2)
        let ds: Double = (y * y / s2 - 1) / s
        return (lp, [-y / s2, ds])
    }
    static func studentT(_ a: [Double]) -> (Double, [Double]) {
        let y = a[0], nu = a[1], mu = a[2], s = a[3]
        let d: Double = y - mu
        let s2: Double = s * s
        let q: Double = 1 + d * d / (nu * s2)
        var lp: Double = lgamma((nu + 1) / 2) - lgamma(nu / 2)
        lp -= 0.5 * log(nu * Double.pi) + log(s) + (nu + 1) / 2 * log(q)
        let dy: Double = -(nu + 1) * d / (nu * s2 * q)
        var dnu: Double = 0.5 * Reference.digamma((nu + 1) / 2) - 0.5 * Reference.digamma(nu / 2)
        dnu += -0.5 / nu - 0.5 * log(q) + (nu + 1) / 2 * d * d / (nu * nu * s2 * q)
        let ds: Double = -1 / s + (nu + 1) * d * d / (nu * s2 * s * q)
        return (lp, [dy, dnu, -dy, ds])
    }
    static func cauchy(_ a: [Double]) -> (Double, [Double]) {
        let y = a[0], mu = a[1], s = a[2]
        let d: Double = y - mu
        let t: Double = s * s + d * d
        let lp: Double = -log(Double.pi * s * (1 + d * d / (s * s)))
        let dy: Double = -2 * d / t
        return (lp, [dy, -dy, (d * d - s * s) / (s * t)])
    }
    static func halfCauchy(_ a: [Double]) -> (Double, [Double]) {
        let y = a[0], s = a[1]
        let t: Double = s * s + y * y
        let lp: Double = y < 0 ? -Double.infinity : log(2 / (Double.pi * s)) - log1p(y * y / (s * s))
        return (lp, [-2 * y / t, (y * y - s * s) / (s * t)])
    }
    static func exponential(_ a: [Double]) -> (Double, [Double]) {
        let y = a[0], l = a[1]
        let lp: Double = y < 0 ? -Double.infinity : log(l) - l * y
        return (lp, [-l, 1 / l - y])
    }
    static func gamma(_ a: [Double]) -> (Double, [Double]) {
        let y = a[0], al = a[1], b = a[2]
        let lp: Double = al * log(b) - lgamma(al) + (al - 1) * log(y) - b * y
        let dal: Double = log(b) - Reference.digamma(al) + log(y)
        return (lp, [(al - 1) / y - b, dal, al / b - y])
    }
    static func invGamma(_ a: [Double]) -> (Double, [Double]) {
        let y = a[0], al = a[1], b = a[2]
        let lp: Double = al * log(b) - lgamma(al) - (al + 1) * log(y) - b / y
        let dy: Double = -(al + 1) / y + b / (y * y)
        let dal: Double = log(b) - Reference.digamma(al) - log(y)
        return (lp, [dy, dal, al / b - 1 / y])
    }
    static func lognormal(_ a: [Double]) -> (Double, [Double]) {
        let y = a[0], mu = a[1], s = a[2]
        let d: Double = log(y) - mu
        let s2: Double = s * s
        let lp: Double = -log(y * s * (2 * Double.pi).squareRoot()) - d * d / (2 * s2)
        let dy: Double = -1 / y - d / (s2 * y)
        return (lp, [dy, d / s2, (d * d / s2 - 1) / s])
    }
    static func beta(_ a: [Double]) -> (Double, [Double]) {
        let y = a[0], p = a[1], q = a[2]
        var lp: Double = lgamma(p + q) - lgamma(p) - lgamma(q)
        lp += (p - 1) * log(y) + (q - 1) * log1p(-y)
        let dpq: Double = Reference.digamma(p + q)
        let dy: Double = (p - 1) / y - (q - 1) / (1 - y)
        return (lp, [dy, dpq - Reference.digamma(p) + log(y), dpq - Reference.digamma(q) + log1p(-y)])
    }
    static func uniform(_ a: [Double]) -> (Double, [Double]) {
        let y = a[0], lo = a[1], hi = a[2]
        let lp: Double = (y < lo || y > hi) ? -Double.infinity : -log(hi - lo)
        return (lp, [0, 1 / (hi - lo), -1 / (hi - lo)])
    }
    static func bernoulliLogit(_ a: [Double]) -> (Double, [Double]) {
        let n = a[0], al = a[1]
        let lp: Double = n == 1 ? Reference.logInvLogit(al) : Reference.log1mInvLogit(al)
        return (lp, [n - Reference.invLogit(al)])
    }
    static func binomialLogit(_ a: [Double]) -> (Double, [Double]) {
        let n = a[0], N = a[1], al = a[2]
        let choose: Double = lgamma(N + 1) - lgamma(n + 1) - lgamma(N - n + 1)
        let lp: Double = choose + n * Reference.logInvLogit(al) + (N - n) * Reference.log1mInvLogit(al)
        return (lp, [n - N * Reference.invLogit(al)])
    }
    static func poissonLog(_ a: [Double]) -> (Double, [Double]) {
        let n = a[0], eta = a[1]
        let lp: Double = n * eta - exp(eta) - lgamma(n + 1)
        return (lp, [n - exp(eta)])
    }
}

typealias R = DistributionReference

let distributionCases: [DistributionCase] = [
    DistributionCase(name: "normal", function: "lf_normal_lpdf", arity: 3, differentiable: [0, 1, 2], reference: R.normal,
                     sample: { r in [r.uniform(-5, 5), r.uniform(-3, 3), r.logUniform(0.1, 10)] }),
    DistributionCase(name: "halfNormal", function: "lf_half_normal_lpdf", arity: 2, differentiable: [0, 1], reference: R.halfNormal,
                     sample: { r in [r.uniform(0, 5), r.logUniform(0.1, 10)] }),
    DistributionCase(name: "studentT", function: "lf_student_t_lpdf", arity: 4, differentiable: [0, 1, 2, 3], reference: R.studentT,
                     sample: { r in [r.uniform(-10, 10), r.logUniform(0.5, 50), r.uniform(-3, 3), r.logUniform(0.1, 10)] }),
    DistributionCase(name: "cauchy", function: "lf_cauchy_lpdf", arity: 3, differentiable: [0, 1, 2], reference: R.cauchy,
                     sample: { r in [r.uniform(-20, 20), r.uniform(-3, 3), r.logUniform(0.1, 10)] }),
    DistributionCase(name: "halfCauchy", function: "lf_half_cauchy_lpdf", arity: 2, differentiable: [0, 1], reference: R.halfCauchy,
                     sample: { r in [r.uniform(0, 20), r.logUniform(0.1, 10)] }),
    DistributionCase(name: "exponential", function: "lf_exponential_lpdf", arity: 2, differentiable: [0, 1], reference: R.exponential,
                     sample: { r in [r.uniform(0, 10), r.logUniform(0.1, 10)] }),
    DistributionCase(name: "gamma", function: "lf_gamma_lpdf", arity: 3, differentiable: [0, 1, 2], reference: R.gamma,
                     sample: { r in [r.logUniform(0.01, 20), r.logUniform(0.1, 20), r.logUniform(0.1, 10)] }),
    DistributionCase(name: "invGamma", function: "lf_inv_gamma_lpdf", arity: 3, differentiable: [0, 1, 2], reference: R.invGamma,
                     sample: { r in [r.logUniform(0.01, 20), r.logUniform(0.1, 20), r.logUniform(0.1, 10)] }),
    DistributionCase(name: "lognormal", function: "lf_lognormal_lpdf", arity: 3, differentiable: [0, 1, 2], reference: R.lognormal,
                     sample: { r in [r.logUniform(0.01, 50), r.uniform(-2, 2), r.logUniform(0.1, 3)] }),
    DistributionCase(name: "beta", function: "lf_beta_lpdf", arity: 3, differentiable: [0, 1, 2], reference: R.beta,
                     sample: { r in [r.uniform(0.001, 0.999), r.logUniform(0.2, 10), r.logUniform(0.2, 10)] }),
    DistributionCase(name: "uniform", function: "lf_uniform_lpdf", arity: 3, differentiable: [0, 1, 2], reference: R.uniform,
                     sample: { r in
                         let lo = r.uniform(-5, 0)
                         let hi = lo + r.logUniform(0.1, 10)
                         return [r.uniform(lo - 1, hi + 1), lo, hi]
                     }),
    DistributionCase(name: "bernoulliLogit", function: "lf_bernoulli_logit_lpmf", arity: 2, differentiable: [1],
                     reference: R.bernoulliLogit, sample: { r in [Double(r.int(0...1)), r.uniform(-20, 20)] }),
    DistributionCase(name: "binomialLogit", function: "lf_binomial_logit_lpmf", arity: 3, differentiable: [2],
                     reference: R.binomialLogit, sample: { r in
                         let N = r.int(0...50)
                         return [Double(r.int(0...N)), Double(N), r.uniform(-5, 5)]
                     }),
    DistributionCase(name: "poissonLog", function: "lf_poisson_log_lpmf", arity: 2, differentiable: [1],
                     reference: R.poissonLog, sample: { r in [Double(r.int(0...100)), r.uniform(-3, 5)] }),
]

/// One kernel evaluating every distribution: inputs are all cases' arguments stacked, outputs each
/// case's log density then its derivatives.
func distributionKernel() -> String {
    var body: [String] = []
    var input = 0, output = 0
    for d in distributionCases {
        let args = (0..<d.arity).map { "a\($0)" }
        let loads = args.enumerated().map { "\($1) = LOADW(in + \(input + $0) * stride + c)" }.joined(separator: ", ")
        let derivs = d.differentiable.map { "d\($0)" }
        var lines = ["    {  // \(d.name)", "        const realw \(loads);"]
        lines.append("        realw \(derivs.joined(separator: ", "));")
        lines.append("        const realw lp = \(d.function)(\((args + derivs.map { "&" + $0 }).joined(separator: ", ")));")
        lines.append("        STOREW(lp, out + \(output) * stride + c);")
        for (k, name) in derivs.enumerated() { lines.append("        STOREW(\(name), out + \(output + 1 + k) * stride + c);") }
        lines.append("    }")
        body += lines
        input += d.arity
        output += 1 + d.differentiable.count
    }
    return """
    __kernel void t_distributions(__global const real* in, __global real* out, const int stride) {
        const int c = lf_first_chain(stride);
        if (c < 0) return;
    \(body.joined(separator: "\n"))
    }
    """
}

extension OpenCLTests {
    @Suite struct Distributions {
        /// The Double references carry every normalising constant: scipy.stats (1.17) log densities.
        @Test func referencesMatchScipy() {
            let scipy: [(String, [Double], Double)] = [
                ("normal", [0.3, -0.5, 1.7], -1.5602934278654588),
                ("normal", [12.0, 1.0, 0.25], -967.5326441720848),
                ("halfNormal", [0.8, 2.5], -1.1932820845188825),
                ("studentT", [1.3, 3.5, -0.2, 0.7], -2.518507389875812),
                ("studentT", [-25.0, 0.8, 2.0, 3.0], -6.454385749333366),
                ("cauchy", [2.2, 0.5, 1.5], -2.37631785720831),
                ("halfCauchy", [3.0, 0.6], -3.1988536195449466),
                ("exponential", [0.7, 2.3], -0.7770908770648958),
                ("gamma", [1.9, 2.5, 0.8], -1.3997609194998515),
                ("gamma", [0.01, 0.3, 4.0], 2.503709443709555),
                ("invGamma", [0.9, 3.0, 1.5], -0.7219764602708136),
                ("lognormal", [2.5, 0.3, 0.9], -1.9643220001580273),
                ("beta", [0.3, 2.5, 0.7], -1.3591020131569618),
                ("uniform", [0.3, -1.0, 2.5], -1.252762968495368),
                ("bernoulliLogit", [1.0, 0.4], -0.5130152523999526),
                ("bernoulliLogit", [0.0, -2.0], -0.1269280110429725),
                ("binomialLogit", [7.0, 20.0, -0.3], -1.9288136428058937),
                ("poissonLog", [4.0, 1.1], -1.7822198542943788),
            ]
            for (name, args, expected) in scipy {
                let d = distributionCases.first { $0.name == name }!
                #expect(close(d.reference(args).0, expected, 1e-13), "\(name)\(args)")
            }
        }

        /// The reference derivatives agree with central differences of the reference log density.
        @Test func referenceDerivativesMatchFiniteDifferences() {
            var rng = TestRNG(seed: 99)
            for d in distributionCases {
                for _ in 0..<50 {
                    let a = d.sample(&rng)
                    let (lp, grad) = d.reference(a)
                    guard lp.isFinite else { continue }
                    for (k, index) in d.differentiable.enumerated() {
                        let h = 1e-5 * max(1e-3, abs(a[index]))
                        var plus = a, minus = a
                        plus[index] += h; minus[index] -= h
                        let (lpPlus, lpMinus) = (d.reference(plus).0, d.reference(minus).0)
                        guard lpPlus.isFinite, lpMinus.isFinite else { continue }
                        let numeric = (lpPlus - lpMinus) / (2 * h)
                        #expect(close(grad[k], numeric, 1e-5), "\(d.name) d/d\(index) at \(a): \(grad[k]) vs \(numeric)")
                    }
                }
            }
        }

        static let configurations: [(Precision, Int)] = [(.double, 1), (.double, 4), (.float, 1), (.float, 8)]

        @Test(arguments: [1, 7, 1000])
        func kernelsMatchDoubleReferences(chains: Int) throws {
            let env = CLTest.env
            var rng = TestRNG(seed: UInt64(chains))
            let points = distributionCases.map { d in (0..<chains).map { _ in d.sample(&rng) } }
            let outputs = distributionCases.reduce(0) { $0 + 1 + $1.differentiable.count }
            for (precision, width) in Self.configurations {
                let program = try env.program(files: ["distributions"], extra: distributionKernel(),
                                              precision: precision, width: width)
                let roundedPoints = points.map { $0.map { rounded($0, precision) } }
                var columns: [[Double]] = []
                for (i, d) in distributionCases.enumerated() {
                    for k in 0..<d.arity { columns.append(roundedPoints[i].map { $0[k] }) }
                }
                let out = precision == .double
                    ? try env.runColumns(Double.self, program: program, kernel: "t_distributions", width: width,
                                         inputs: columns, outputs: outputs)
                    : try env.runColumns(Float.self, program: program, kernel: "t_distributions", width: width,
                                         inputs: columns, outputs: outputs)
                var column = 0
                for (i, d) in distributionCases.enumerated() {
                    let references = roundedPoints[i].map { d.reference($0) }
                    let where_ = { (c: Int) in "\(roundedPoints[i][c])" }
                    expectClose(out[column], references.map(\.0), tolerance: tolerance(precision),
                                "\(d.name) lpdf \(precision) W=\(width)", inputs: where_)
                    for k in d.differentiable.indices {
                        // Derivatives outside the support are unspecified.
                        let inside = references.indices.filter { references[$0].0.isFinite }
                        expectClose(inside.map { out[column + 1 + k][$0] }, inside.map { references[$0].1[k] },
                                    tolerance: tolerance(precision),
                                    "\(d.name) d/d\(d.differentiable[k]) \(precision) W=\(width)",
                                    inputs: { where_(inside[$0]) })
                    }
                    column += 1 + d.differentiable.count
                }
            }
        }
    }
}
