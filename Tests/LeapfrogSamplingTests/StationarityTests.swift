#if canImport(Glibc)
import Glibc
#endif
import Testing
import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling

/// Invariance tests: start many chains at exact draws of the target and apply a few
/// transitions with a fixed step size. An exact kernel leaves the distribution unchanged, and
/// the chains stay independent of one another, so plain i.i.d. standard errors apply. Errors in
/// multinomial or biased progressive sampling, U-turn bookkeeping or Metropolis correction show
/// up as wrong variances or correlations.
@Suite struct StationarityTests {
    /// Correlated 2-D Gaussian (ρ = 0.8, scales 1 and 2) under a mismatched diagonal metric.
    static let model = DenseGaussian.ar1(dimension: 2, rho: 0.8, scale: [1, 2])

    static func exactDraws(chains: Int) -> ChainBatch {
        let r = PhiloxRandom(seed: 31337)
        var q = ChainBatch(chains: chains, dimension: 2)
        let l10 = 0.8 * 2.0, l11 = 2.0 * (1 - 0.64).squareRoot()    // Cholesky of Σ
        for c in 0..<chains {
            let z0 = r.normal(chain: c, iteration: 0, purpose: .initialisation, index: 0)
            let z1 = r.normal(chain: c, iteration: 0, purpose: .initialisation, index: 1)
            q[c, 0] = model.mean[0] + z0
            q[c, 1] = model.mean[1] + l10 * z0 + l11 * z1
        }
        return q
    }

    /// Mean, variances and covariance of the chains' final positions, each within 4.5 SE.
    static func check(_ q: ChainBatch, label: String) {
        let n = Double(q.chains)
        var s = [0.0, 0.0], ss = [0.0, 0.0, 0.0]
        for c in 0..<q.chains {
            let x = q[c, 0] - model.mean[0], y = q[c, 1] - model.mean[1]
            s[0] += x; s[1] += y; ss[0] += x * x; ss[1] += y * y; ss[2] += x * y
        }
        // SEs under the target: Var(x) = 1, Var(y) = 4, Var(x²) = 2, Var(y²) = 32,
        // Var(xy) = σx²σy² + cov² = 4 + 2.56.
        #expect(abs(s[0] / n) < 4.5 * (1 / n).squareRoot(), "\(label) mean x \(s[0] / n)")
        #expect(abs(s[1] / n) < 4.5 * (4 / n).squareRoot(), "\(label) mean y \(s[1] / n)")
        #expect(abs(ss[0] / n - 1) < 4.5 * (2 / n).squareRoot(), "\(label) var x \(ss[0] / n)")
        #expect(abs(ss[1] / n - 4) < 4.5 * (32 / n).squareRoot(), "\(label) var y \(ss[1] / n)")
        #expect(abs(ss[2] / n - 1.6) < 4.5 * (6.56 / n).squareRoot(), "\(label) cov \(ss[2] / n)")
    }

    @Test(arguments: [0.3, 0.9])
    func nutsLeavesTargetInvariant(stepSize: Double) throws {
        let chains = 4000
        var state = try SamplerState(positions: Self.exactDraws(chains: chains), model: Self.model)
        let kernel = NUTSKernel(maxDepth: 8)
        let metric = Metric.diagonal([0.5, 2])
        var workspace = NUTSWorkspace()
        var moved = 0
        for it in 1...4 {
            let t = try kernel.transition(state, model: Self.model, metric: metric,
                                          stepSizes: Array(repeating: stepSize, count: chains),
                                          random: PhiloxRandom(seed: 8), iteration: it, workspace: &workspace)
            state = t.state
            moved += t.info.filter(\.accepted).count
        }
        #expect(moved > chains)
        Self.check(state.positions, label: "NUTS ε=\(stepSize)")
    }

    @Test func hmcLeavesTargetInvariant() throws {
        let chains = 4000
        var state = try SamplerState(positions: Self.exactDraws(chains: chains), model: Self.model)
        let kernel = HMCKernel(trajectory: .steps(7), jitter: .stepSize(0.3))
        let metric = Metric.diagonal([0.5, 2])
        for it in 1...4 {
            state = try kernel.transition(state, model: Self.model, metric: metric,
                                          stepSizes: Array(repeating: 0.8, count: chains),
                                          random: PhiloxRandom(seed: 9), iteration: it).state
        }
        Self.check(state.positions, label: "HMC")
    }
}

/// Standard logistic in 1-D: exact draws by inversion, variance π²/3, heavier tails than a
/// Gaussian (trajectory lengths vary more, which exercises the top-level sampling).
struct Logistic: BatchedLogDensity {
    var dimension: Int { 1 }
    func evaluate(_ x: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        var lp = [Double](repeating: 0, count: x.chains)
        var g = ChainBatch(chains: x.chains, dimension: 1)
        for c in 0..<x.chains {
            let v = x.values[c]
            // log π = −v − 2 log(1 + e^{−v}), written stably; d/dv = −tanh(v/2).
            lp[c] = -abs(v) - 2 * log1p(exp(-abs(v)))
            g.values[c] = -tanh(v / 2)
        }
        return DensityBatch(logDensity: lp, gradient: g)
    }
}

@Suite struct LogisticStationarityTests {
    @Test(arguments: [0.4, 1.2])
    func nutsLeavesLogisticInvariant(stepSize: Double) throws {
        let chains = 6000
        let r = PhiloxRandom(seed: 4242)
        var q = ChainBatch(chains: chains, dimension: 1)
        for c in 0..<chains {
            let u = r.uniform(chain: c, iteration: 0, purpose: .initialisation)
            q.values[c] = log(u / (1 - u))
        }
        var state = try SamplerState(positions: q, model: Logistic())
        let kernel = NUTSKernel(maxDepth: 8)
        for it in 1...5 {
            state = try kernel.transition(state, model: Logistic(), metric: .unit,
                                          stepSizes: Array(repeating: stepSize, count: chains),
                                          random: PhiloxRandom(seed: 5), iteration: it).state
        }
        // Moments of the logistic: E x² = π²/3, E x⁴ = 7π⁴/15; Var(x²) = E x⁴ − (E x²)².
        let n = Double(chains)
        let m2 = state.positions.values.reduce(0) { $0 + $1 * $1 } / n
        let m4 = state.positions.values.reduce(0) { $0 + $1 * $1 * $1 * $1 } / n
        let e2 = Double.pi * Double.pi / 3, e4 = 7 * pow(Double.pi, 4) / 15
        let e8 = 31 * pow(Double.pi, 8) / 15     // E x⁸ = 2·8!·(1 − 2⁻⁷)ζ(8) = 31π⁸/15
        #expect(abs(m2 - e2) < 4.5 * ((e4 - e2 * e2) / n).squareRoot(), "E x² \(m2) vs \(e2)")
        #expect(abs(m4 - e4) < 4.5 * ((e8 - e4 * e4) / n).squareRoot(), "E x⁴ \(m4) vs \(e4)")
        let tail = state.positions.values.filter { abs($0) > 4 }.count    // P(|x| > 4) = 2/(1 + e⁴)
        let p = 2 / (1 + exp(4.0))
        #expect(abs(Double(tail) / n - p) < 4.5 * (p * (1 - p) / n).squareRoot(), "tail \(Double(tail) / n) vs \(p)")
    }
}
