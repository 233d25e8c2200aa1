import LeapfrogModel
import RealModule

/// Log density of one outcome and its partial derivatives: the Swift twins of
/// `Kernels/distributions.cl`. Normalising constants are kept (SciPy's `logpdf`/`logpmf`).
///
/// Policy: an outcome outside the support, or a parameter outside its domain (σ ≤ 0, say),
/// gives `lp = −∞` with zero partials, never NaN from the policy itself.
public enum DistributionMath {
    /// ½·log(2π).
    static let halfLog2Pi = 0.918_938_533_204_672_741_78
    static let logPi = 1.144_729_885_849_400_174_14
    static let log2 = 0.693_147_180_559_945_309_42

    public struct Partials: Equatable {
        public var lp: Double
        public var dy: Double = 0
        public var d0: Double = 0
        public var d1: Double = 0
        public var d2: Double = 0
        public static let outside = Partials(lp: -.infinity)
    }

    /// `p0…p2` are the family's parameters in `Distribution.parameterNames` order.
    public static func elementwise(_ d: Distribution, _ y: Double, _ p0: Double, _ p1: Double, _ p2: Double) -> Partials {
        typealias S = SpecialFunctions
        switch d {
        case .normal:
            let (mu, sigma) = (p0, p1)
            guard sigma > 0 else { return .outside }
            let z = (y - mu) / sigma
            return Partials(lp: -0.5 * z * z - Double.log(sigma) - halfLog2Pi,
                            dy: -z / sigma, d0: z / sigma, d1: (z * z - 1) / sigma)
        case .halfNormal:
            let sigma = p0
            guard sigma > 0, y >= 0 else { return .outside }
            let z = y / sigma
            return Partials(lp: log2 - 0.5 * z * z - Double.log(sigma) - halfLog2Pi,
                            dy: -z / sigma, d0: (z * z - 1) / sigma)
        case .studentT:
            let (nu, mu, sigma) = (p0, p1, p2)
            guard nu > 0, sigma > 0 else { return .outside }
            let z = (y - mu) / sigma
            let q = z * z / nu
            let lp = S.logGamma((nu + 1) / 2) - S.logGamma(nu / 2) - 0.5 * Double.log(nu) - 0.5 * logPi
                - Double.log(sigma) - (nu + 1) / 2 * Double.log(onePlus: q)
            let dy = -(nu + 1) * z / (sigma * (nu + z * z))
            let dnu = 0.5 * S.digamma((nu + 1) / 2) - 0.5 * S.digamma(nu / 2) - 0.5 / nu
                - 0.5 * Double.log(onePlus: q) + (nu + 1) * z * z / (2 * nu * (nu + z * z))
            let dsigma = -1 / sigma + (nu + 1) * z * z / (sigma * (nu + z * z))
            return Partials(lp: lp, dy: dy, d0: dnu, d1: -dy, d2: dsigma)
        case .cauchy, .halfCauchy:
            let (mu, sigma) = d == .cauchy ? (p0, p1) : (0, p0)
            guard sigma > 0, d == .cauchy || y >= 0 else { return .outside }
            let z = (y - mu) / sigma
            let lp = (d == .halfCauchy ? log2 : 0) - logPi - Double.log(sigma) - Double.log(onePlus: z * z)
            let dy = -2 * z / (sigma * (1 + z * z))
            let dsigma = -1 / sigma + 2 * z * z / (sigma * (1 + z * z))
            return d == .cauchy ? Partials(lp: lp, dy: dy, d0: -dy, d1: dsigma) : Partials(lp: lp, dy: dy, d0: dsigma)
        case .exponential:
            let rate = p0
            guard rate > 0, y >= 0 else { return .outside }
            return Partials(lp: Double.log(rate) - rate * y, dy: -rate, d0: 1 / rate - y)
        case .gamma:
            let (a, b) = (p0, p1)
            guard a > 0, b > 0, y > 0 else { return .outside }
            let ly = Double.log(y)
            return Partials(lp: a * Double.log(b) - S.logGamma(a) + (a - 1) * ly - b * y,
                            dy: (a - 1) / y - b, d0: Double.log(b) - S.digamma(a) + ly, d1: a / b - y)
        case .inverseGamma:
            let (a, b) = (p0, p1)
            guard a > 0, b > 0, y > 0 else { return .outside }
            let ly = Double.log(y)
            return Partials(lp: a * Double.log(b) - S.logGamma(a) - (a + 1) * ly - b / y,
                            dy: -(a + 1) / y + b / (y * y), d0: Double.log(b) - S.digamma(a) - ly, d1: a / b - 1 / y)
        case .logNormal:
            let (mu, sigma) = (p0, p1)
            guard sigma > 0, y > 0 else { return .outside }
            let ly = Double.log(y)
            let z = (ly - mu) / sigma
            return Partials(lp: -0.5 * z * z - Double.log(sigma) - halfLog2Pi - ly,
                            dy: (-z / sigma - 1) / y, d0: z / sigma, d1: (z * z - 1) / sigma)
        case .beta:
            let (a, b) = (p0, p1)
            guard a > 0, b > 0, y > 0, y < 1 else { return .outside }
            let ly = Double.log(y), l1y = Double.log(onePlus: -y)
            let psiAB = S.digamma(a + b)
            return Partials(lp: (a - 1) * ly + (b - 1) * l1y - (S.logGamma(a) + S.logGamma(b) - S.logGamma(a + b)),
                            dy: (a - 1) / y - (b - 1) / (1 - y),
                            d0: ly - S.digamma(a) + psiAB, d1: l1y - S.digamma(b) + psiAB)
        case .uniform:
            let (lo, hi) = (p0, p1)
            guard lo < hi, y >= lo, y <= hi else { return .outside }
            let w = hi - lo
            return Partials(lp: -Double.log(w), dy: 0, d0: 1 / w, d1: -1 / w)
        case .flat:
            return Partials(lp: 0)
        case .bernoulliLogit:
            let alpha = p0
            guard y == 0 || y == 1 else { return .outside }
            return Partials(lp: y * alpha - S.log1pExp(alpha), d0: y - S.invLogit(alpha))
        case .binomialLogit:
            let (n, alpha) = (p0, p1)
            guard y >= 0, y <= n else { return .outside }
            return Partials(lp: S.logChoose(n, y) + y * alpha - n * S.log1pExp(alpha), d1: y - n * S.invLogit(alpha))
        case .poissonLog:
            let alpha = p0
            guard y >= 0 else { return .outside }
            let rate = Double.exp(alpha)
            return Partials(lp: y * alpha - rate - S.logGamma(y + 1), d0: y - rate)
        case .categoricalLogit, .multiNormalCholesky:
            preconditionFailure("\(d) is not elementwise")
        }
    }
}
