import Foundation
import LeapfrogData
import LeapfrogModel

/// Time-series models written with the graph's recurrence nodes (`LoopStructure`), with small
/// data sets, for the reference's and the OpenCL generator's tests.
public enum RecurrenceFixtures {
    /// GARCH(1,1): σ₁ = sigma1, σₜ = √(α₀ + α₁(yₜ₋₁ − μ)² + β₁σₜ₋₁²) for t = 2…T, y ~ normal(μ, σ);
    /// with `recordingSigma`, σ is also a derived quantity.
    public static func garch(recordingSigma: Bool = false) throws -> ModelGraph {
        try ModelBuilder.build("garch") { m in
            let y = m.data("y", ["T"])
            let sigma1 = m.data("sigma1")
            let mu = m.parameter("mu")
            let alpha0 = m.parameter("alpha0", constraint: .lower(0))
            let alpha1 = m.parameter("alpha1", constraint: .bounded(0, 1))
            let beta1 = m.parameter("beta1", constraint: .bounded(0, 1))
            var sigmaT: Expr!
            let t = m.loop(from: 2, to: "T", name: "t") { t in
                let previous = m.carry(t, initial: sigma1)
                let lagged = m.at(y, [(t, 1)], offset: -1)
                sigmaT = (alpha0 + alpha1 * (lagged - mu).square() + beta1 * previous.square()).sqrt()
                m.update(previous, to: sigmaT)
            }
            let sigma = m.stack(t, sigmaT, into: y * 0.0 + sigma1)
            m.sample(y, .normal(mu, sigma))
            if recordingSigma { m.derive("sigma", sigma) }
        }
    }

    /// AR(K) as posteriordb's arK writes it: for t = K+1…T, μ = α + Σₖ βₖ·yₜ₋ₖ (an inner loop
    /// carrying μ), yₜ ~ normal(μ, σ), the per-step log densities carried in an accumulator.
    /// `first` is K + 1 (a loop's range is two extents).
    public static func autoregressive() throws -> ModelGraph {
        try ModelBuilder.build("ar_k") { m in
            let y = m.data("y", ["T"])
            m.declareData("K", integer: true)
            let alpha = m.parameter("alpha")
            let beta = m.parameter("beta", ["K"])
            let sigma = m.parameter("sigma", constraint: .lower(0))
            m.sample(alpha, .normal(0, 10))
            m.sample(beta, .normal(0, 10))
            m.sample(sigma, .cauchy(0, 2.5))
            var total: Expr!
            let t = m.loop(from: "first", to: "T", name: "t") { t in
                total = m.carry(t, initial: m.constant(0))
                var mu: Expr!
                let k = m.loop(from: 1, to: "K", name: "k") { k in
                    mu = m.carry(k, initial: alpha)
                    m.update(mu, to: mu + m.at(beta, [(k, 1)]) * m.at(y, [(t, 1), (k, -1)]))
                }
                let lp = m.logDensity(m.at(y, [(t, 1)]), .normal(m.last(k, mu), sigma))
                m.update(total, to: total + lp)
            }
            m.target(m.last(t, total))
        }
    }

    /// An HMM's forward algorithm (posteriordb's hmm_example with free transition logits):
    /// γ₁ₖ = log N(y₁ | μₖ, 1), γₜₖ = log Σⱼ exp(γₜ₋₁,ⱼ + log θⱼₖ + log N(yₜ | μₖ, 1)), target
    /// += log Σₖ exp(γ_Nₖ); three nested loops, the carried state a vector.
    public static func hmm() throws -> ModelGraph {
        try ModelBuilder.build("hmm") { m in
            let y = m.data("y", ["N"])
            m.declareData("K", integer: true)
            let logits = m.parameter("logits", ["K", "K"])
            let mu = m.parameter("mu", ["K"])
            m.sample(logits, .normal(0, 1))
            m.sample(mu, .normal(0, 5))
            let logTheta = logits.logSoftmax()
            var first: Expr!
            let k1 = m.loop(from: 1, to: "K", name: "k") { k in
                first = m.logDensity(m.at(y, [], offset: 1), .normal(m.at(mu, [(k, 1)]), 1))
            }
            let gamma1 = m.stack(k1, first)
            var gamma: Expr!
            let t = m.loop(from: 2, to: "N", name: "t") { t in
                gamma = m.carry(t, initial: gamma1)
                var row: Expr!
                let k = m.loop(from: 1, to: "K", name: "k") { k in
                    var acc: Expr!
                    let j = m.loop(from: 1, to: "K", name: "j") { j in
                        acc = m.at(gamma, [(j, 1)]) + m.at(m.at(logTheta, [(j, 1)]), [(k, 1)])
                            + m.logDensity(m.at(y, [(t, 1)]), .normal(m.at(mu, [(k, 1)]), 1))
                    }
                    row = m.stack(j, acc).logSumExp()
                }
                m.update(gamma, to: m.stack(k, row))
            }
            m.target(m.last(t, gamma).logSumExp())
        }
    }

    /// A series of `count` values from a fixed recurrence (no randomness needed: the tests compare
    /// densities, not fits).
    public static func series(_ count: Int) -> [Double] {
        var out: [Double] = []
        var x = 0.3
        for t in 0..<count {
            x = 0.6 * x + 0.5 * sin(Double(t) * 1.7) + 0.2 * cos(Double(t * t) * 0.3)
            out.append(x)
        }
        return out
    }

    public static func garchData(_ count: Int = 12) -> DataSet {
        DataSet(["T": .integer(count), "y": DataArray(shape: [count], values: series(count)), "sigma1": DataArray(shape: [], values: [0.5])])
    }

    public static func autoregressiveData(_ count: Int = 12, lags: Int = 3) -> DataSet {
        DataSet(["T": .integer(count), "K": .integer(lags), "first": .integer(lags + 1),
                 "y": DataArray(shape: [count], values: series(count))])
    }

    public static func hmmData(_ count: Int = 10, states: Int = 2) -> DataSet {
        DataSet(["N": .integer(count), "K": .integer(states), "y": DataArray(shape: [count], values: series(count).map { 3 * $0 + 2 })])
    }
}
