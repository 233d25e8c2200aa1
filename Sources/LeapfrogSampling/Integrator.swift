import LeapfrogCore

/// A palindromic splitting integrator of Hamilton's equations, described as data.
///
/// `coefficients` alternate kick (momentum) and drift (position) fractions of the step size,
/// starting and ending with a kick: (a₀, b₀, a₁, b₁, …, b₀, a₀). One step of size ε does
///
///     p += a₀ ε ∇log π(q);  q += b₀ ε M⁻¹p;  p += a₁ ε ∇log π(q);  …
///
/// Each drift is followed by one batched gradient evaluation; the first kick reuses the stored
/// gradient. Sources: BlackJAX `mcmc/integrators.py` (palindromic coefficient lists),
/// Blanes, Casas & Sanz-Serna (2014) for the two-stage coefficient.
public struct Integrator: Sendable, Hashable {
    public let name: String
    public let coefficients: [Double]

    public init(name: String, coefficients: [Double]) {
        precondition(coefficients.count % 2 == 1 && coefficients == coefficients.reversed(),
                     "Integrator \(name): coefficients must be an odd-length palindrome")
        self.name = name
        self.coefficients = coefficients
    }

    /// Velocity Verlet (Störmer–Verlet): kick ½, drift 1, kick ½.
    public static let leapfrog = Integrator(name: "leapfrog", coefficients: [0.5, 1, 0.5])

    /// Two-stage minimal-norm integrator; λ from BlackJAX `integrators.py` (McLachlan 1995,
    /// Blanes, Casas & Sanz-Serna 2014).
    public static let mclachlanLambda = 0.1931833275037836
    public static let mclachlan = Integrator(
        name: "mclachlan",
        coefficients: [mclachlanLambda, 0.5, 1 - 2 * mclachlanLambda, 0.5, mclachlanLambda])

    /// Batched gradient evaluations per step.
    public var gradientsPerStep: Int { coefficients.count / 2 }

    /// Advances every active chain by one step of signed size `stepSizes[c]` (negative: backwards
    /// in time). Inactive chains neither move nor change their stored density; the model is
    /// told which chains are active so a back end may skip the others. Returns the number of
    /// batched evaluations made.
    ///
    /// Non-finite policy: a non-finite log density is stored as −∞ and the step still completes
    /// (its gradient may be NaN); the caller decides what a divergence means.
    @discardableResult
    public func step(_ z: inout PhasePoint, model: some BatchedLogDensity, metric: Metric,
                     stepSizes: [Double], active: [Bool]? = nil) throws -> Int {
        let n = z.chains, d = z.dimension
        precondition(stepSizes.count == n, "Integrator.step: \(stepSizes.count) step sizes for \(n) chains")
        let mask: [Bool] = active ?? Array(repeating: true, count: n)
        var velocity = ChainBatch(chains: n, dimension: d)
        var evaluations = 0
        for (s, coefficient) in coefficients.enumerated() {
            if s % 2 == 0 {
                // Kick with the stored gradient.
                z.momentum.values.withUnsafeMutableBufferPointer { p in
                    z.gradient.values.withUnsafeBufferPointer { g in
                        for i in 0..<d {
                            for c in 0..<n where mask[c] {
                                p[i * n + c] += coefficient * stepSizes[c] * g[i * n + c]
                            }
                        }
                    }
                }
            } else {
                metric.velocity(z.momentum, into: &velocity, active: mask)
                z.position.values.withUnsafeMutableBufferPointer { q in
                    velocity.values.withUnsafeBufferPointer { v in
                        for i in 0..<d {
                            for c in 0..<n where mask[c] {
                                q[i * n + c] += coefficient * stepSizes[c] * v[i * n + c]
                            }
                        }
                    }
                }
                let result = try model.evaluate(z.position, active: active)
                evaluations += 1
                for c in 0..<n where mask[c] {
                    let lp = result.logDensity[c]
                    z.logDensity[c] = lp.isFinite ? lp : -.infinity
                }
                if active == nil {
                    z.gradient = result.gradient
                } else {
                    for i in 0..<d {
                        for c in 0..<n where mask[c] { z.gradient.values[i * n + c] = result.gradient.values[i * n + c] }
                    }
                }
            }
        }
        return evaluations
    }
}
