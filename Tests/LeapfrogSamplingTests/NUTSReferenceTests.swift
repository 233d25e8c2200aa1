#if canImport(Glibc)
import Glibc
#endif
import Testing
import LeapfrogCore
import LeapfrogRandom
@testable import LeapfrogSampling

/// A recursive NUTS in the shape of Stan's `base_nuts::build_tree`, for one chain, used to check
/// the iterative lockstep kernel: for the same momentum and directions, the trajectory — depth,
/// leapfrog count, divergence, and the accept statistic (a sum over all leaves) — does not
/// depend on the multinomial choices, so both must agree exactly.
struct RecursiveNUTSReference {
    let model: any BatchedLogDensity
    let metric: Metric
    let eps: Double
    let maxDepth: Int

    struct Leaf { var z: PhasePoint }
    var h0 = 0.0
    var leapfrogs = 0
    var sumMetro = 0.0
    var divergent = false

    func v(_ z: PhasePoint) -> [Double] { metric.velocity(z.momentum).values }
    static func crit(_ a: [Double], _ b: [Double], _ rho: [Double]) -> Bool {
        var x = 0.0, y = 0.0
        for i in rho.indices { x += a[i] * rho[i]; y += b[i] * rho[i] }
        return x > 0 && y > 0
    }
    static func add(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 + $1 } }

    /// Returns validity; fills the subtree's ends (first/last in build order) and ρ.
    mutating func build(_ depth: Int, _ z: inout PhasePoint, _ sign: Double, rho: inout [Double],
                        beg: inout ([Double], [Double]), end: inout ([Double], [Double])) throws -> Bool {
        if depth == 0 {
            try Integrator.leapfrog.step(&z, model: model, metric: metric, stepSizes: [sign * eps])
            leapfrogs += 1
            var h = z.hamiltonian(metric: metric)[0]
            if h.isNaN { h = .infinity }
            if h - h0 > Divergence.threshold || !h.isFinite { divergent = true }
            sumMetro += h0 - h > 0 ? 1 : exp(h0 - h)
            let p = z.momentum.values, vel = v(z)
            rho = Self.add(rho, p)
            beg = (p, vel); end = (p, vel)
            return !divergent
        }
        let d = rho.count
        var rhoInit = [Double](repeating: 0, count: d), initEnd = ([Double](), [Double]())
        guard try build(depth - 1, &z, sign, rho: &rhoInit, beg: &beg, end: &initEnd) else { return false }
        var rhoFinal = [Double](repeating: 0, count: d), finalBeg = ([Double](), [Double]())
        guard try build(depth - 1, &z, sign, rho: &rhoFinal, beg: &finalBeg, end: &end) else { return false }
        let rhoSub = Self.add(rhoInit, rhoFinal)
        rho = Self.add(rho, rhoSub)
        var ok = Self.crit(beg.1, end.1, rhoSub)
        ok = ok && Self.crit(beg.1, finalBeg.1, Self.add(rhoInit, finalBeg.0))
        ok = ok && Self.crit(initEnd.1, end.1, Self.add(rhoFinal, initEnd.0))
        return ok
    }

    /// (depth, leapfrogs, accept stat, divergent) of chain `chain`'s transition at `iteration`.
    mutating func run(from q: [Double], chain: Int, iteration: Int, random: PhiloxRandom) throws -> (Int, Int, Double, Bool) {
        let d = q.count
        let s = try SamplerState(positions: ChainBatch(vectors: [q]), model: model)
        var z0 = PhasePoint(position: s.positions, momentum: ChainBatch(chains: 1, dimension: d),
                            logDensity: s.logDensity, gradient: s.gradient)
        // Chain `chain`'s momentum stream, written into a one-chain batch.
        var wide = ChainBatch(chains: chain + 1, dimension: d)
        metric.drawMomentum(into: &wide, random: random, iteration: iteration)
        z0.momentum = ChainBatch(vectors: [wide.vector(chain: chain)])
        h0 = z0.hamiltonian(metric: metric)[0]
        var minus = z0, plus = z0
        var rho = z0.momentum.values
        var depth = 0
        while depth < maxDepth {
            let forward = random.uniform(chain: chain, iteration: iteration, purpose: .direction, index: depth) > 0.5
            var z = forward ? plus : minus
            var rhoSub = [Double](repeating: 0, count: d)
            var beg = ([Double](), [Double]()), end = ([Double](), [Double]())
            guard try build(depth, &z, forward ? 1 : -1, rho: &rhoSub, beg: &beg, end: &end) else { break }
            depth += 1
            let e = forward ? plus : minus, f = forward ? minus : plus
            let rhoOld = rho
            rho = Self.add(rho, rhoSub)
            var ok = Self.crit(v(f), beg.1, Self.add(rhoOld, beg.0))
            ok = ok && Self.crit(v(e), end.1, Self.add(rhoSub, e.momentum.values))
            if forward { plus = z } else { minus = z }
            ok = ok && Self.crit(v(minus), v(plus), rho)
            if !ok { break }
        }
        return (depth, leapfrogs, sumMetro / Double(leapfrogs), divergent)
    }
}

@Suite struct NUTSReferenceTests {
    @Test(arguments: [0.08, 0.15, 0.3, 0.5])
    func iterativeMatchesRecursive(stepSize: Double) throws {
        let model = DenseGaussian.ar1(dimension: 5, rho: 0.9, scale: [1, 2, 0.5, 1, 3])
        let metric = Metric.diagonal([1, 3, 0.3, 1, 5])
        let random = PhiloxRandom(seed: 2718)
        let chains = 12, maxDepth = 7
        var q = ChainBatch(chains: chains, dimension: 5)
        for c in 0..<chains { for i in 0..<5 { q[c, i] = model.mean[i] + 2 * random.normal(chain: c, iteration: 0, purpose: .initialisation, index: i) } }
        var state = try SamplerState(positions: q, model: model)
        let kernel = NUTSKernel(maxDepth: maxDepth)
        var depths = Set<Int>()
        var divergences = 0
        for iteration in 1...6 {
            let t = try kernel.transition(state, model: model, metric: metric,
                                          stepSizes: Array(repeating: stepSize, count: chains), random: random, iteration: iteration)
            for c in 0..<chains {
                var ref = RecursiveNUTSReference(model: model, metric: metric, eps: stepSize, maxDepth: maxDepth)
                let (depth, leapfrogs, accept, divergent) = try ref.run(from: state.positions.vector(chain: c), chain: c,
                                                                        iteration: iteration, random: random)
                #expect(t.info[c].treeDepth == depth, "chain \(c) it \(iteration)")
                #expect(t.info[c].leapfrogSteps == leapfrogs, "chain \(c) it \(iteration)")
                #expect(abs(t.info[c].acceptanceStatistic - accept) < 1e-9)
                #expect(t.info[c].divergent == divergent)
                depths.insert(depth)
                if divergent { divergences += 1 }
            }
            state = t.state
        }
        #expect(depths.count >= 2, "depths \(depths)")
    }
}
