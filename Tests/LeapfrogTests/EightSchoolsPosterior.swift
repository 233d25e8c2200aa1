import Foundation

/// Exact posterior moments of eight schools (μ ~ N(0,5), τ ~ HalfCauchy(5), θⱼ ~ N(μ, τ),
/// yⱼ ~ N(θⱼ, σⱼ)) by quadrature: integrating θ out gives
/// p(μ, τ | y) ∝ N(μ | 0, 5)·HalfCauchy(τ | 5)·Πⱼ N(yⱼ | μ, √(σⱼ² + τ²)),
/// and θⱼ | μ, τ, y is normal with mean (yⱼ/σⱼ² + μ/τ²)/(1/σⱼ² + 1/τ²). A 2-D midpoint rule on
/// τ = exp(s) (s ∈ [−12, 8]) and μ ∈ [−60, 70] converges to ~1e-6 relative at this resolution;
/// the sampler tests compare within Monte-Carlo error, which is far larger.
struct EightSchoolsPosterior {
    static let y: [Double] = [28, 8, -3, 7, -1, 1, 18, 12]
    static let sigma: [Double] = [15, 10, 16, 11, 9, 11, 10, 18]

    var meanMu = 0.0, varMu = 0.0, meanTau = 0.0, varTau = 0.0
    var meanTheta = [Double](repeating: 0, count: 8)

    static let shared = EightSchoolsPosterior()

    init(muSteps: Int = 1300, sSteps: Int = 1000) {
        let (muLo, muHi, sLo, sHi) = (-60.0, 70.0, -12.0, 8.0)
        let dm = (muHi - muLo) / Double(muSteps), ds = (sHi - sLo) / Double(sSteps)
        var z = 0.0, m1 = 0.0, m2 = 0.0, t1 = 0.0, t2 = 0.0
        var th = [Double](repeating: 0, count: 8)
        for i in 0..<sSteps {
            let s = sLo + (Double(i) + 0.5) * ds
            let tau = exp(s)
            // HalfCauchy(5) density times the Jacobian dτ/ds = τ.
            let logPriorTau = log(2 / (.pi * 5)) - log1p((tau / 5) * (tau / 5)) + s
            for k in 0..<muSteps {
                let mu = muLo + (Double(k) + 0.5) * dm
                var lw = logPriorTau - 0.5 * (mu / 5) * (mu / 5)
                for j in 0..<8 {
                    let v = Self.sigma[j] * Self.sigma[j] + tau * tau
                    lw += -0.5 * (Self.y[j] - mu) * (Self.y[j] - mu) / v - 0.5 * log(v)
                }
                let w = exp(lw + 40)
                z += w
                m1 += w * mu
                m2 += w * mu * mu
                t1 += w * tau
                t2 += w * tau * tau
                for j in 0..<8 {
                    let p = 1 / (Self.sigma[j] * Self.sigma[j]) + 1 / (tau * tau)
                    th[j] += w * (Self.y[j] / (Self.sigma[j] * Self.sigma[j]) + mu / (tau * tau)) / p
                }
            }
        }
        meanMu = m1 / z
        varMu = m2 / z - meanMu * meanMu
        meanTau = t1 / z
        varTau = t2 / z - meanTau * meanTau
        meanTheta = th.map { $0 / z }
    }
}
