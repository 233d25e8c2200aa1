import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// A posterior predictive check end to end: posteriordb's `Rate_4_model` (Lee & Wagenmakers,
/// "Bayesian Cognitive Modeling", prior and posterior prediction; `data/posteriordb/stan/`) draws
/// `postpredk = binomial_rng(n, theta)` and `priorpredk = binomial_rng(n, thetaprior)` on the host
/// per draw. With k = 1 success in n = 15 trials and uniform priors, θ | k ~ Beta(2, 15), so
/// postpredk ~ BetaBinomial(15, 2, 15) and priorpredk ~ BetaBinomial(15, 1, 1), uniform on 0…15.
@Suite(.serialized)
struct RandomGeneratedQuantitiesSamplingTests {
    /// BetaBinomial(n, α, β): mean nα/(α + β), variance nαβ(α + β + n)/((α + β)²(α + β + 1)).
    static func betaBinomial(_ n: Double, _ a: Double, _ b: Double) -> (mean: Double, sd: Double) {
        let s = a + b
        return (n * a / s, (n * a * b * (s + n) / (s * s * (s + 1))).squareRoot())
    }

    static func run(seed: Int) throws -> RunSummary {
        try PosteriorDBRun.sample(
            PosteriorDBRun.arguments(model: "Rate_4_model", data: "Rate_4_data",
                                     ["--chains", "4", "--warmup", "300", "--draws", "1000", "--seed", String(seed), "--backend", "cpu"]),
            name: "rate4-\(seed)")
    }

    /// Each predictive mean within 4 MCSE of the exact one, each sd within 10 %; the same seed
    /// gives the same predictive draws (the summaries agree exactly), another seed other draws.
    @Test func posteriorPredictiveMatchesTheBetaBinomial() throws {
        let summary = try Self.run(seed: 4)
        let exact: [(String, (mean: Double, sd: Double))] = [("postpredk", Self.betaBinomial(15, 2, 15)), ("priorpredk", Self.betaBinomial(15, 1, 1))]
        for (name, (mean, sd)) in exact {
            let row = try #require(summary.parameters.first { $0.name == name })
            #expect(abs(row.mean - mean) < 4 * row.mcseMean, "\(name): mean \(row.mean) ± \(row.mcseMean), exact \(mean)")
            #expect(abs(row.sd / sd - 1) < 0.1, "\(name): sd \(row.sd), exact \(sd)")
        }
        let again = try Self.run(seed: 4)
        let other = try Self.run(seed: 5)
        func row(_ s: RunSummary, _ name: String) -> (Double, Double)? {
            s.parameters.first { $0.name == name }.map { ($0.mean, $0.sd) }
        }
        #expect(row(again, "postpredk")! == row(summary, "postpredk")!)
        #expect(row(other, "postpredk")! != row(summary, "postpredk")!)
    }
}
