import Testing
import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling

@Suite struct IntegratorTests {
    let model = DenseGaussian.ar1(dimension: 10, rho: 0.8)

    func start(chains n: Int, metric: Metric) throws -> PhasePoint {
        let random = PhiloxRandom(seed: 3)
        var q = ChainBatch(chains: n, dimension: 10)
        for c in 0..<n { for i in 0..<10 { q[c, i] = random.normal(chain: c, iteration: 0, purpose: .initialisation, index: i) } }
        let s = try SamplerState(positions: q, model: model)
        var z = PhasePoint(position: q, momentum: ChainBatch(chains: n, dimension: 10), logDensity: s.logDensity, gradient: s.gradient)
        metric.drawMomentum(into: &z.momentum, random: random, iteration: 1)
        return z
    }

    /// Forward L steps, flip the momentum, L steps back: the start within 1e-12.
    @Test(arguments: [Integrator.leapfrog, Integrator.mclachlan])
    func reversibility(integrator: Integrator) throws {
        let diag = Metric.diagonal((0..<10).map { 0.5 + 0.1 * Double($0) })
        let dense = Metric.dense(try DenseInverseMetric(inverse: model.covariance, dimension: 10))
        for metric in [Metric.unit, diag, dense] {
            let z0 = try start(chains: 4, metric: metric)
            var z = z0
            let eps = [0.1, 0.05, 0.2, 0.15]
            for _ in 0..<25 { try integrator.step(&z, model: model, metric: metric, stepSizes: eps) }
            z.momentum.values = z.momentum.values.map { -$0 }
            for _ in 0..<25 { try integrator.step(&z, model: model, metric: metric, stepSizes: eps) }
            for k in 0..<z.position.values.count {
                #expect(abs(z.position.values[k] - z0.position.values[k]) < 1e-12)
                #expect(abs(z.momentum.values[k] + z0.momentum.values[k]) < 1e-12)
            }
        }
    }

    /// Leapfrog is second order: halving ε over the same time divides the energy error by ≈ 4.
    @Test func energyErrorShrinksLikeEpsilonSquared() throws {
        let metric = Metric.unit
        func energyError(_ eps: Double, steps: Int) throws -> Double {
            var z = try start(chains: 8, metric: metric)
            let h0 = z.hamiltonian(metric: metric)
            for _ in 0..<steps { try Integrator.leapfrog.step(&z, model: model, metric: metric, stepSizes: Array(repeating: eps, count: 8)) }
            let h1 = z.hamiltonian(metric: metric)
            return zip(h0, h1).reduce(0) { $0 + abs($1.1 - $1.0) }
        }
        let coarse = try energyError(0.04, steps: 25)
        let fine = try energyError(0.02, steps: 50)
        let ratio = coarse / fine
        #expect(ratio >= 3 && ratio <= 5, "ratio \(ratio)")
    }

    /// Inactive chains do not move and keep their density.
    @Test func inactiveChainsStayPut() throws {
        let z0 = try start(chains: 3, metric: .unit)
        var z = z0
        try Integrator.leapfrog.step(&z, model: model, metric: .unit, stepSizes: [0.1, 0.1, 0.1], active: [true, false, true])
        #expect(z.position.vector(chain: 1) == z0.position.vector(chain: 1))
        #expect(z.momentum.vector(chain: 1) == z0.momentum.vector(chain: 1))
        #expect(z.logDensity[1] == z0.logDensity[1])
        #expect(z.position.vector(chain: 0) != z0.position.vector(chain: 0))
    }
}

@Suite struct MetricTests {
    /// Dense momentum draws have covariance M = Σ⁻¹ when M⁻¹ = Σ; kinetic energy matches ½pᵀM⁻¹p.
    @Test func denseMomentumCovariance() throws {
        let cov: [Double] = [2, 0.6, 0.6, 0.5]
        let m = try DenseInverseMetric(inverse: cov, dimension: 2)
        let mass = invert(cov, 2)
        let n = 20_000
        var p = ChainBatch(chains: n, dimension: 2)
        Metric.dense(m).drawMomentum(into: &p, random: PhiloxRandom(seed: 5), iteration: 0)
        var s = [0.0, 0.0, 0.0]
        for c in 0..<n { s[0] += p[c, 0] * p[c, 0]; s[1] += p[c, 0] * p[c, 1]; s[2] += p[c, 1] * p[c, 1] }
        let est = s.map { $0 / Double(n) }
        let target = [mass[0], mass[1], mass[3]]
        for k in 0..<3 { #expect(abs(est[k] - target[k]) < 0.05 * max(1, abs(target[k])), "\(est) vs \(target)") }
        let k = Metric.dense(m).kineticEnergy(ChainBatch(vectors: [[1, 2]]))[0]
        #expect(abs(k - 0.5 * (2 * 1 + 2 * 0.6 * 2 + 0.5 * 4)) < 1e-12)
    }

    @Test func notPositiveDefiniteThrows() {
        #expect(throws: LeapfrogError.self) { try DenseInverseMetric(inverse: [1, 2, 2, 1], dimension: 2) }
    }
}
