import Foundation
import Testing
@testable import LeapfrogDiagnostics

/// The non-finite policy, ArviZ's constant-draw behaviour, and invariances that can fail.
struct EdgeCaseTests {
    /// A reproducible AR(1) set without Foundation randomness: a linear congruential uniform
    /// stream pushed through Φ⁻¹.
    static func ar1(chains: Int, draws: Int, rho: Double, seed: UInt64 = 42) -> [[Double]] {
        var state = seed
        func normal() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let u = (Double(state >> 11) + 0.5) / 9007199254740992.0
            return InverseNormalCDF.quantile(u)
        }
        return (0..<chains).map { _ in
            var x = normal()
            return (0..<draws).map { _ in x = rho * x + (1 - rho * rho).squareRoot() * normal(); return x }
        }
    }

    @Test(arguments: [Double.nan, .infinity, -.infinity])
    func nonFiniteDrawsGiveNaNNotATrap(_ bad: Double) {
        var draws = Self.ar1(chains: 4, draws: 100, rho: 0.3)
        draws[2][17] = bad
        let s = summarize(name: "theta", draws: draws, superchains: 2)
        #expect(s.nonFiniteCount == 1)
        let stats = [s.mean, s.sd, s.q5, s.q50, s.q95, s.mcseMean, s.mcseSD, s.essBulk, s.essTail,
                     s.rhat, s.nestedRHat ?? 0]
        #expect(stats.allSatisfy { $0.isNaN })
        let d = Draws(draws)
        #expect(RHat.split(d).isNaN && EffectiveSampleSize.mean(d).isNaN
                && MonteCarloStandardError.quantile(d, prob: 0.5).isNaN && Quantile.of(d, prob: 0.5).isNaN)
        let w = DiagnosticWarnings(summaries: [s])
        #expect(w.warnings.map(\.kind) == [.nonFinite])
        #expect(w.description.contains("theta (1 of 400 draws)"))
    }

    /// Constant draws: ArviZ gives R-hat NaN (0/0), ESS = number of split draws (its `_ess`
    /// short-circuits on a range below 1e-15), MCSE of the mean 0, MCSE of the sd NaN. The
    /// "constant" fixture checks these against ArviZ; here the same at another size.
    @Test func constantDrawsFollowArviZ() {
        let s = summarize(name: "c", draws: Array(repeating: Array(repeating: 2.0, count: 9), count: 3),
                          superchains: 3)
        #expect(s.rhat.isNaN)
        #expect(s.essBulk == 24 && s.essTail == 24)  // 3 chains × 2 halves × 4
        #expect(s.mcseMean == 0 && s.mcseSD.isNaN)
        #expect(s.mean == 2 && s.sd == 0 && s.q5 == 2 && s.q95 == 2)
        #expect(s.nestedRHat.map(\.isNaN) == true)
        // Constant draws are not flagged as non-finite, and NaN R-hat is not "> 1.01".
        #expect(DiagnosticWarnings(summaries: [s]).warnings.allSatisfy { $0.kind != .nonFinite && $0.kind != .rhat })
    }

    @Test func tooFewDrawsOrChains() {
        let three = summarize(name: "x", draws: [[1, 2, 3], [2, 3, 1]])
        #expect(three.rhat.isNaN && three.essBulk.isNaN && three.mcseMean.isNaN)
        #expect(three.mean == 2)
        let oneChain = Draws(Self.ar1(chains: 1, draws: 200, rho: 0.2))
        #expect(RHat.rankNormalized(oneChain).isNaN)  // ArviZ needs 2 chains for R-hat
        #expect(EffectiveSampleSize.bulk(oneChain) > 50)  // ... but 1 for ESS
    }

    /// Rank-normalised bulk statistics depend only on ranks: a strictly increasing transform
    /// leaves bulk ESS, bulk R-hat and the quantile indicators (tail ESS) unchanged to the last
    /// bit, while the mean ESS changes. (The tail R-hat is not invariant: it folds about the
    /// median first, and |exp(x) − median| ranks differently from |x − median|.)
    @Test func rankStatisticsAreInvariantUnderMonotoneTransforms() {
        let x = Self.ar1(chains: 4, draws: 300, rho: 0.8)
        let y = x.map { $0.map { exp(3 * $0) } }
        let (dx, dy) = (Draws(x), Draws(y))
        #expect(EffectiveSampleSize.bulk(dx) == EffectiveSampleSize.bulk(dy))
        #expect(DrawAnalysis(dx).rhatBulk == DrawAnalysis(dy).rhatBulk)
        #expect(EffectiveSampleSize.tail(dx) == EffectiveSampleSize.tail(dy))
        #expect(DrawAnalysis(dx).rhatTail != DrawAnalysis(dy).rhatTail)
        #expect(EffectiveSampleSize.mean(dx) != EffectiveSampleSize.mean(dy))
    }

    /// Ties get average ranks (`scipy.stats.rankdata(method="average")`): rounding draws to a
    /// coarse grid still gives finite, sensible diagnostics.
    @Test func tiesAreAveraged() {
        let x = Self.ar1(chains: 4, draws: 200, rho: 0.5).map { $0.map { ($0 * 2).rounded() / 2 } }
        let s = summarize(name: "t", draws: x)
        #expect(s.rhat.isFinite && s.rhat < 1.05)
        #expect(s.essBulk.isFinite && s.essBulk > 100)
        // All draws in the same rank group → same z; within a group of k ties the scores agree.
        let z = RankNormalization([3, 1, 3, 2, 3]).zScores()
        #expect(z[0] == z[2] && z[2] == z[4] && z[1] < z[3] && z[3] < z[0])
    }

    /// The folded scores, made while merging outward from the median, are the scores of the folded
    /// values |θ − median| ranked on their own: with ties on both sides of the median (a coarse
    /// grid), at the median, and without ties.
    @Test func foldedScoresAreTheRanksOfTheFoldedValues() {
        let draws = Self.ar1(chains: 4, draws: 301, rho: 0.3).flatMap { $0 }
        for values in [draws.map { ($0 * 2).rounded() / 2 }, draws, [3, 1, 3, 2, 3, 2, 1, 0]] {
            let ranks = RankNormalization(values)
            let folded = values.map { ($0 - ranks.median).magnitude }
            #expect(ranks.foldedZScores() == RankNormalization(folded).zScores(), "\(values.count) values")
        }
    }

    /// The radix argsort orders negatives, zeros and positives correctly.
    @Test func argsortOrdersAllSigns() {
        let v: [Double] = [3.5, -0.0, -1e300, 2, 0.0, -2.5, 1e-310, -1e-310, .infinity, -.infinity]
        let order = RankNormalization.argsort(v).map { v[Int($0)] }
        #expect(order == v.sorted())
        // The sorted values are decoded from the sort keys: the same bits as the values they came from.
        let (indices, sorted) = RankNormalization.sort(v)
        #expect(sorted.map(\.bitPattern) == indices.map { v[$0].bitPattern })
    }

    /// Chains well mixed → R-hat ≈ 1 and ESS near the draw count; a shifted chain → R-hat ≫ 1.01.
    @Test func diagnosticsRespondToMixing() {
        let good = Draws(Self.ar1(chains: 4, draws: 500, rho: 0))
        #expect(abs(RHat.rankNormalized(good) - 1) < 0.01)
        #expect(EffectiveSampleSize.bulk(good) > 1500)
        var bad = Self.ar1(chains: 4, draws: 500, rho: 0)
        bad[0] = bad[0].map { $0 + 3 }
        #expect(RHat.rankNormalized(Draws(bad)) > 1.1)
        #expect(RHat.nested(Draws(bad), superchains: 2) > 1.01)
    }

    @Test func nestedRHatArguments() {
        let d = Draws(Self.ar1(chains: 6, draws: 50, rho: 0.2))
        #expect(RHat.nested(d, superchains: 4).isNaN)  // 4 does not divide 6
        #expect(RHat.nested(d, superchains: 1).isNaN)
        #expect(RHat.nested(d, superchains: 3).isFinite)
        // One draw per chain: the within-chain term is 0, the between-chain term carries it.
        let single = Draws(Self.ar1(chains: 8, draws: 1, rho: 0))
        #expect(RHat.nested(single, superchains: 2).isFinite)
    }

    /// Degenerate shapes give NaN, never a trap.
    @Test func degenerateShapes() {
        let empty = summarize(name: "e", draws: [[Double]]())
        #expect(empty.mean.isNaN && empty.q50.isNaN && empty.rhat.isNaN && empty.essBulk.isNaN)
        let noDraws = summarize(name: "e", draws: [[], []], superchains: 2)
        #expect(noDraws.mean.isNaN && noDraws.sd.isNaN && noDraws.nestedRHat.map(\.isNaN) == true)
        let oneDraw = summarize(name: "o", draws: [[1], [2], [3], [4]], superchains: 2)
        #expect(oneDraw.mean == 2.5 && oneDraw.rhat.isNaN && oneDraw.essTail.isNaN)
        #expect(oneDraw.nestedRHat.map(\.isFinite) == true)
        #expect(MonteCarloStandardError.quantile(Draws([[1, 2, 3, 4, 5]]), prob: 0.5).isFinite)
    }
}

/// The FFT route for long autocorrelations agrees with direct summation.
struct AutocovarianceTests {
    @Test(arguments: [(5, 100), (4, 250), (3, 37), (1, 64)])
    func fftMatchesDirectSums(_ shape: (Int, Int)) {
        let (rows, n) = shape
        let x = EdgeCaseTests.ar1(chains: rows, draws: n, rho: 0.9, seed: UInt64(rows * n))
        let m = Draws(x).matrix
        let means = m.rowMeans()
        var direct = Autocovariance(m, rowMeans: means, directLagLimit: .max)
        var viaFFT = Autocovariance(m, rowMeans: means, directLagLimit: 0)
        let scale = direct.mean(lag: 0)
        for lag in 0..<n {
            let (d, f) = (direct.mean(lag: lag), viaFFT.mean(lag: lag))
            #expect(Swift.abs(d - f) <= 1e-13 * scale, "lag \(lag): direct \(d) vs FFT \(f)")
        }
        #expect(direct.mean(lag: n + 2) == 0 && viaFFT.mean(lag: n + 2) == 0)
    }

    /// Direct sums, four lags per sweep, equal to the bit one lag and one row at a time in
    /// ascending order (what `computeBlock`'s note promises), including the lags past n.
    @Test(arguments: [(7, 50), (4, 9), (1, 30), (6, 3)])
    func directSumsAreTheOneLagAtATimeSums(_ shape: (Int, Int)) {
        let (rows, n) = shape
        let x = EdgeCaseTests.ar1(chains: rows, draws: n, rho: 0.7, seed: UInt64(7 * rows + n))
        let m = Draws(x).matrix
        let means = m.rowMeans()
        var direct = Autocovariance(m, rowMeans: means, directLagLimit: .max)
        for lag in 0..<(n + 4) {
            var total = 0.0
            for r in 0..<rows {
                let y = (0..<n).map { m.values[r * n + $0] - means[r] }
                var sum = 0.0
                var i = 0
                while i < n - lag { sum += y[i] * y[i + lag]; i += 1 }
                total += sum / Double(n)
            }
            #expect(direct.mean(lag: lag) == total / Double(rows), "lag \(lag)")
        }
    }

    /// ESS of a sticky chain set (ρ = 0.99: Geyer's truncation is past 64 lags, so the default
    /// takes the FFT route) is the same by either route, and matches ArviZ.
    @Test func stickyChainsUseFFTAndMatchArviZ() throws {
        let f = try DrawFixture.load("ar1_rho099")
        let split = Draws(f.draws).matrix.splitHalves()
        let byDefault = EffectiveSampleSize.geyerDetail(split)
        let direct = EffectiveSampleSize.geyerDetail(split, directLagLimit: .max)
        let fft = EffectiveSampleSize.geyerDetail(split, directLagLimit: 0)
        #expect(byDefault.usedFFT && !direct.usedFFT && fft.usedFFT)
        #expect(isClose(direct.ess, fft.ess, rel: 1e-12))
        #expect(isClose(byDefault.ess, f.value("ess_mean"), rel: 1e-8))
        // A well-mixed set stays on direct sums.
        let iid = try DrawFixture.load("iid_normal")
        #expect(!EffectiveSampleSize.geyerDetail(Draws(iid.draws).matrix.splitHalves()).usedFFT)
    }
}
