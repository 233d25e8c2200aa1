import Foundation
import Testing
@testable import LeapfrogDiagnostics

/// Our statistics against ArviZ 0.23.4 on the fixture draw sets.
///
/// Tolerance: 1e-8 relative (plus 1e-12 absolute, for means near zero) everywhere — every
/// algorithm here is a port of ArviZ's. The remaining differences are rounding: ArviZ gets
/// autocovariances from an FFT and sums pairwise; we sum lags directly. Observed differences
/// are ~1e-13, so 1e-8 leaves room without hiding a wrong formula (a wrong convention, e.g.
/// ddof or an off-by-one lag, moves these numbers by 1e-3 or more).
struct ArviZAgreementTests {
    static let rel = 1e-8
    static let abs = 1e-12

    func check(_ f: DrawFixture, _ key: String, _ ours: Double,
               sourceLocation: SourceLocation = #_sourceLocation) {
        let theirs = f.value(key)
        #expect(isClose(ours, theirs, rel: Self.rel, abs: Self.abs),
                "\(f.name).\(key): ours \(ours) vs ArviZ \(theirs)", sourceLocation: sourceLocation)
    }

    @Test(arguments: DrawFixture.drawSets)
    func rhat(_ name: String) throws {
        let f = try DrawFixture.load(name)
        let d = Draws(f.draws)
        check(f, "rhat_rank", RHat.rankNormalized(d))
        check(f, "rhat_split", RHat.split(d))
    }

    @Test(arguments: DrawFixture.drawSets)
    func effectiveSampleSize(_ name: String) throws {
        let f = try DrawFixture.load(name)
        let d = Draws(f.draws)
        check(f, "ess_bulk", EffectiveSampleSize.bulk(d))
        check(f, "ess_tail", EffectiveSampleSize.tail(d))
        check(f, "ess_mean", EffectiveSampleSize.mean(d))
        check(f, "ess_sd", EffectiveSampleSize.sd(d))
    }

    @Test(arguments: DrawFixture.drawSets)
    func monteCarloStandardError(_ name: String) throws {
        let f = try DrawFixture.load(name)
        let d = Draws(f.draws)
        check(f, "mcse_mean", MonteCarloStandardError.mean(d))
        check(f, "mcse_sd", MonteCarloStandardError.sd(d))
        check(f, "mcse_q5", MonteCarloStandardError.quantile(d, prob: 0.05))
        check(f, "mcse_q50", MonteCarloStandardError.quantile(d, prob: 0.5))
        check(f, "mcse_q95", MonteCarloStandardError.quantile(d, prob: 0.95))
    }

    @Test(arguments: DrawFixture.drawSets)
    func quantilesMeanSd(_ name: String) throws {
        let f = try DrawFixture.load(name)
        let d = Draws(f.draws)
        check(f, "q5", Quantile.of(d, prob: 0.05))
        check(f, "q50", Quantile.of(d, prob: 0.5))
        check(f, "q95", Quantile.of(d, prob: 0.95))
    }

    /// `summarize` (one shared sort) agrees with the separate functions and with `az.summary`.
    @Test(arguments: DrawFixture.drawSets)
    func summarizeMatchesArviZ(_ name: String) throws {
        let f = try DrawFixture.load(name)
        let s = summarize(name: name, draws: f.draws, superchains: f.superchains)
        check(f, "mean", s.mean)
        check(f, "sd", s.sd)
        check(f, "q5", s.q5)
        check(f, "q50", s.q50)
        check(f, "q95", s.q95)
        check(f, "mcse_mean", s.mcseMean)
        check(f, "mcse_sd", s.mcseSD)
        check(f, "ess_bulk", s.essBulk)
        check(f, "ess_tail", s.essTail)
        check(f, "rhat_rank", s.rhat)
        let table: [(String, Double)] = [("mean", s.mean), ("sd", s.sd), ("mcse_mean", s.mcseMean),
                                         ("mcse_sd", s.mcseSD), ("ess_bulk", s.essBulk),
                                         ("ess_tail", s.essTail), ("r_hat", s.rhat)]
        for (key, ours) in table {
            let theirs = try #require(f.summary[key], "az.summary column \(key)") ?? .nan
            #expect(isClose(ours, theirs, rel: Self.rel, abs: Self.abs),
                    "\(name) az.summary \(key): ours \(ours) vs \(theirs)")
        }
        #expect(s.chains == f.draws.count && s.drawsPerChain == f.draws[0].count)
        if f.superchains != nil { check(f, "nested_rhat", try #require(s.nestedRHat)) } else {
            #expect(s.nestedRHat == nil)
        }
    }

    /// Nested R-hat against the script's independent numpy implementation of the paper.
    @Test func nestedRHat() throws {
        let f = try DrawFixture.load("nested_16x100")
        let k = try #require(f.superchains)
        let ours = RHat.nested(Draws(f.draws), superchains: k)
        check(f, "nested_rhat", ours)
        #expect(ours > 1.01, "the fixture's superchains are offset, so nested R-hat flags them")
    }

    /// The fixtures exercise the corners they were made for.
    @Test func fixturesCoverTheirCases() throws {
        // Antithetic chains: bulk ESS hits ArviZ's cap S·log10(S).
        let anti = try DrawFixture.load("antithetic")
        let s = Double(anti.draws.count * anti.draws[0].count)
        #expect(isClose(EffectiveSampleSize.bulk(Draws(anti.draws)), s * log10(s), rel: 1e-12))
        // A shifted chain gives a bad R-hat.
        let shifted = try DrawFixture.load("shifted_chain")
        #expect(RHat.rankNormalized(Draws(shifted.draws)) > 1.1)
    }
}
