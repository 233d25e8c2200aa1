extension RHat {
    /// Nested R̂ for many short chains grouped into `superchains` superchains.
    ///
    /// Margossian, Hoffman, Sountsov, Riou-Durand, Vehtari & Gelman (2024), "Nested R-hat:
    /// assessing the convergence of Markov chain Monte Carlo when running many short chains",
    /// *Bayesian Analysis*, Definition of n R̂ (eqs. 15–19 of the arXiv version). With K
    /// superchains of M chains of N draws, chain means θ̄ₙₖ, superchain means θ̄ₖ, overall θ̄:
    ///
    ///     n B̂ = 1/(K−1) Σₖ (θ̄ₖ − θ̄)²                           between superchains
    ///     B̃ₖ = 1/(M−1) Σₘ (θ̄ₘₖ − θ̄ₖ)²   (0 if M = 1)           between chains, within k
    ///     W̃ₖ = 1/M Σₘ 1/(N−1) Σₙ (θ⁽ⁿᵐᵏ⁾ − θ̄ₘₖ)²   (0 if N = 1)  within chains
    ///     n Ŵ = 1/K Σₖ (B̃ₖ + W̃ₖ)                                within superchains
    ///     n R̂ = √(1 + n B̂ / n Ŵ)
    ///
    /// This is the paper's variant *with* the within-chain term W̃ₖ (not the B̃ₖ-only variant for
    /// N = 1), on the chains as given (not split), as in the `posterior` R package's
    /// `rhat_nested`. Chains are grouped contiguously: superchain k holds chains
    /// k·M ..< (k+1)·M, so put the chains that shared an initial point next to each other.
    ///
    /// NaN when `superchains < 2`, when it does not divide the number of chains, when any draw is
    /// non-finite, or when n Ŵ = 0 (e.g. constant draws).
    public static func nested(_ draws: Draws, superchains: Int) -> Double {
        let c = draws.chainCount, n = draws.drawsPerChain
        guard superchains >= 2, c % superchains == 0, n >= 1, draws.nonFiniteCount == 0 else {
            return .nan
        }
        let m = draws.matrix
        let chainMeans = m.rowMeans()
        let chainVars: [Double] = n > 1 ? m.rowVariances(means: chainMeans) : Array(repeating: 0, count: c)
        return nested(chainMeans: chainMeans, chainVariances: chainVars, superchains: superchains)
    }

    /// Nested R̂ (as `nested(_:superchains:)`) from each chain's mean θ̄ₘₖ and within-chain
    /// variance (denominator N − 1; 0 for one draw): all it needs, so running moments
    /// (`ChainMoments`) give it without the draws. NaN when `superchains < 2` or does not divide
    /// the chains, or when n Ŵ = 0.
    public static func nested(chainMeans: [Double], chainVariances: [Double], superchains: Int) -> Double {
        let c = chainMeans.count
        precondition(chainVariances.count == c, "RHat.nested: \(c) means, \(chainVariances.count) variances")
        guard superchains >= 2, c % superchains == 0 else { return .nan }
        let perSuper = c / superchains
        var superMeans = [Double](), withinSuper = [Double]()
        for k in 0..<superchains {
            let members = Array(chainMeans[(k * perSuper)..<((k + 1) * perSuper)])
            superMeans.append(LeapfrogDiagnostics.mean(members))
            let bTilde = perSuper > 1 ? variance(members, ddof: 1) : 0
            let wTilde = LeapfrogDiagnostics.mean(Array(chainVariances[(k * perSuper)..<((k + 1) * perSuper)]))
            withinSuper.append(bTilde + wTilde)
        }
        let between = variance(superMeans, ddof: 1)
        let within = LeapfrogDiagnostics.mean(withinSuper)
        return (1 + between / within).squareRoot()
    }
}
