#if canImport(Glibc)
import Glibc
#endif
import Testing
import LeapfrogCore
import LeapfrogDiagnostics
import LeapfrogRandom
@testable import LeapfrogSampling

/// Two isotropic Gaussian modes in d dimensions: log π(x) = log Σ_k w_k N(x; μ_k 1, s_k² I).
struct TwoModes: BatchedLogDensity {
    let dimension: Int
    /// Per mode: the centre (every coordinate), the sd and the log weight.
    let centres: [Double], sds: [Double], logWeights: [Double]

    func evaluate(_ x: ChainBatch, active: [Bool]?) throws -> DensityBatch {
        let n = x.chains, d = dimension
        var lp = [Double](repeating: 0, count: n)
        var g = ChainBatch(chains: n, dimension: d)
        for c in 0..<n where active?[c] ?? true {
            let terms = (0..<2).map { k -> Double in
                var s = 0.0
                for i in 0..<d { let r = (x.values[i * n + c] - centres[k]) / sds[k]; s += r * r }
                return logWeights[k] - 0.5 * s - Double(d) * log(sds[k])
            }
            let top = max(terms[0], terms[1])
            let z = terms.map { exp($0 - top) }
            lp[c] = top + log(z[0] + z[1])
            for i in 0..<d {
                var gi = 0.0
                for k in 0..<2 { gi -= z[k] / (z[0] + z[1]) * (x.values[i * n + c] - centres[k]) / (sds[k] * sds[k]) }
                g.values[i * n + c] = gi
            }
        }
        return DensityBatch(logDensity: lp, gradient: g)
    }
}

@Suite struct StrayChainRelocationTests {
    /// Window estimates of `chains` chains: chain c's coordinates N(0, variances[c]) and log density
    /// N(logDensityMeans[c], 1), `draws` draws each from a fixed Philox stream.
    func window(logDensityMeans: [Double], variances: [Double], dimension d: Int = 3, draws: Int = 40)
        -> (positions: [WelfordEstimator], logDensity: LeapfrogDiagnostics.ChainMoments) {
        let n = logDensityMeans.count, random = PhiloxRandom(seed: 9)
        var positions = Array(repeating: WelfordEstimator(dimension: d, dense: false), count: n)
        var lp = LeapfrogDiagnostics.ChainMoments(chains: n, quantities: 1)
        for t in 0..<draws {
            var z = [Double](repeating: 0, count: n * (d + 1))
            random.normals(chain: 0, iteration: t, purpose: .momentum, count: z.count) { k, x in z[k] = x }
            var values = [Double](repeating: 0, count: n)
            for c in 0..<n {
                let sd = variances[c].squareRoot(), row = c * (d + 1)
                positions[c].add((0..<d).map { i -> Double in z[row + i] * sd })
                values[c] = logDensityMeans[c] + z[row + d]
            }
            lp.add(values, half: 0)
        }
        return (positions, lp)
    }

    @Test func aChainFarBelowInDensityAndMassMovesToATypicalChain() {
        let w = window(logDensityMeans: [-10, -10.5, -80, -9.5, -10.2], variances: [1, 1, 1, 1, 1])
        let moves = StrayChainRelocation.judge(positions: w.positions, logDensity: w.logDensity, iteration: 99,
                                               random: PhiloxRandom(seed: 1))
        #expect(moves.map(\.chain) == [2])
        let move = moves[0]
        #expect(move.donor != 2 && (0..<5).contains(move.donor))
        #expect(abs(move.logDensityGap - 70) < 2, "\(move)")
        #expect(abs(move.logMassGap - 70) < 4, "\(move)")
        #expect(move.iteration == 99)
        // The donor is a function of the seed, the chain and the window.
        let again = StrayChainRelocation.judge(positions: w.positions, logDensity: w.logDensity, iteration: 99,
                                               random: PhiloxRandom(seed: 1))
        #expect(again == moves)
    }

    /// A lower density in a region wide enough to hold comparable mass is not stray: 25 below in
    /// log density is 25 below in mass at the typical chain's variances, but with variances 100×
    /// larger in 3 coordinates the region gains ½·3·log 100 ≈ 6.9, and the gap (≈ 18) is under 20.
    @Test func volumeCountsInTheMass() {
        let narrow = window(logDensityMeans: [-10, -10, -35, -10, -10], variances: [1, 1, 1, 1, 1])
        let wide = window(logDensityMeans: [-10, -10, -35, -10, -10], variances: [1, 1, 100, 1, 1])
        let random = PhiloxRandom(seed: 1)
        #expect(StrayChainRelocation.judge(positions: narrow.positions, logDensity: narrow.logDensity, iteration: 99,
                                           random: random).map(\.chain) == [2])
        #expect(StrayChainRelocation.judge(positions: wide.positions, logDensity: wide.logDensity, iteration: 99,
                                           random: random).isEmpty)
        // Lower in mass by far more than 20 but not in density (a chain deep in a funnel's neck
        // with small variances): not stray either.
        let neck = window(logDensityMeans: [-10, -10, -9, -10, -10], variances: [1, 1, 1e-12, 1, 1])
        #expect(StrayChainRelocation.judge(positions: neck.positions, logDensity: neck.logDensity, iteration: 99,
                                           random: random).isEmpty)
    }

    @Test func aChainThatDidNotMoveIsStrayWithAnInfiniteGap() {
        var w = window(logDensityMeans: [-10, -10, -10, -10], variances: [1, 1, 1, 1])
        var frozen = WelfordEstimator(dimension: 3, dense: false)
        for _ in 0..<40 { frozen.add([5, 5, 5]) }
        w.positions[3] = frozen
        var lp = LeapfrogDiagnostics.ChainMoments(chains: 4, quantities: 1)
        for _ in 0..<40 { lp.add([-10.3, -9.8, -10.1, -900], half: 0) }
        let moves = StrayChainRelocation.judge(positions: w.positions, logDensity: lp, iteration: 149, random: PhiloxRandom(seed: 2))
        #expect(moves.map(\.chain) == [3])
        #expect(moves.first?.logMassGap == .infinity)
    }

    @Test func tooFewChainsOrDrawsAreNotJudged() {
        let two = window(logDensityMeans: [-10, -80], variances: [1, 1])
        #expect(StrayChainRelocation.judge(positions: two.positions, logDensity: two.logDensity, iteration: 99,
                                           random: PhiloxRandom(seed: 1)).isEmpty)
        let short = window(logDensityMeans: [-10, -10, -80, -10], variances: [1, 1, 1, 1], draws: 10)
        #expect(StrayChainRelocation.judge(positions: short.positions, logDensity: short.logDensity, iteration: 99,
                                           random: PhiloxRandom(seed: 1)).isEmpty)
    }

    /// A minor mode e^−40 below the main one, 17 sds away (no chain crosses): chain 0 starts in it.
    /// Relocated, every chain samples the main mode (moments within Monte-Carlo error); kept, chain 0
    /// stays there — so the check below can fail.
    @Test(arguments: [true, false]) func aChainStartedInANegligibleModeEndsInTheMainOne(pooled: Bool) throws {
        let model = TwoModes(dimension: 2, centres: [0, 12], sds: [1, 1], logWeights: [0, -40])
        var config = SamplerConfiguration()
        config.chains = 4; config.warmup = 300; config.draws = 400; config.seed = 3
        config.pooledAdaptation = pooled
        config.initialPoints = .perChain([[12, 12.3], [0.5, -0.5], [-0.3, 0.2], [0.1, 0.8]])
        let (sink, result) = try Sampler.sample(model: model, configuration: config)
        #expect(result.relocations.map(\.chain) == [0], "\(result.relocations)")
        #expect(result.relocations.first.map { $0.logDensityGap > 30 && $0.logMassGap > 30 } == true)
        expectMoments(sink.positions, mean: [0, 0], variance: [1, 1], label: "relocated (pooled: \(pooled))")

        config.strayChains = .keep
        let (kept, keptResult) = try Sampler.sample(model: model, configuration: config)
        #expect(keptResult.relocations.isEmpty)
        let chain0 = kept.positions[0].map { $0[0] }.reduce(0, +) / Double(kept.positions[0].count)
        #expect(abs(chain0 - 12) < 0.5, "kept: chain 0's mean \(chain0)")
    }

    /// Two modes of equal mass in 10 dimensions, one 10× wider: the wide mode's typical log density
    /// lies 10·log 10 ≈ 23 below the narrow one's (10 within-chain sds), yet neither is stray. The 2
    /// chains started in the wide mode stay there.
    @Test func chainsInAWideModeOfEqualMassStay() throws {
        let d = 10
        let model = TwoModes(dimension: d, centres: [0, 10], sds: [0.1, 1], logWeights: [log(0.5), log(0.5)])
        var config = SamplerConfiguration()
        config.chains = 6; config.warmup = 300; config.draws = 200; config.seed = 4
        config.pooledAdaptation = false
        var starts: [[Double]] = []
        for c in 0..<6 {
            let point: [Double] = (0..<d).map { i -> Double in
                let u = Double(i + 3 * c)
                return c < 2 ? 10 + 0.3 * sin(u) : 0.03 * cos(u)
            }
            starts.append(point)
        }
        config.initialPoints = .perChain(starts)
        let (sink, result) = try Sampler.sample(model: model, configuration: config)
        #expect(result.relocations.isEmpty, "\(result.relocations)")
        for c in 0..<6 {
            let m = sink.positions[c].map { $0.reduce(0, +) / Double(d) }.reduce(0, +) / Double(sink.positions[c].count)
            #expect(abs(m - (c < 2 ? 10 : 0)) < 0.5, "chain \(c): mean \(m)")
        }
    }
}
