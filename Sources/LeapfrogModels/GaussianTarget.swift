#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogData

/// The `gaussian` model's targets: known means and covariances for testing samplers.
public struct GaussianTarget: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Independent, unit scale.
        case iid
        /// AR(1) correlation Σᵢⱼ = ρ^|i−j| with ρ = `correlation`, unit variances.
        case correlated
        /// Independent, standard deviations log-spaced from 1 to 100: condition number 1e4.
        case illConditioned = "ill-conditioned"
    }

    /// ρ of the correlated kind.
    public static let correlation = 0.9
    /// Ratio of the largest to the smallest variance of the ill-conditioned kind.
    public static let conditionNumber = 1e4

    public let dimension: Int
    public let kind: Kind

    public init(dimension: Int, kind: Kind) {
        precondition(dimension >= 1)
        self.dimension = dimension
        self.kind = kind
    }

    /// Means spread evenly over (−1, 1]: μₖ = 2(k+1)/d − 1.
    public var mean: [Double] { (0..<dimension).map { 2 * Double($0 + 1) / Double(dimension) - 1 } }

    public var standardDeviations: [Double] {
        switch kind {
        case .iid, .correlated: return Array(repeating: 1, count: dimension)
        case .illConditioned:
            let top = GaussianTarget.conditionNumber.squareRoot()
            return (0..<dimension).map { dimension == 1 ? 1 : pow(top, Double($0) / Double(dimension - 1)) }
        }
    }

    /// The covariance matrix, row-major.
    public var covariance: [Double] {
        let sd = standardDeviations
        var c = [Double](repeating: 0, count: dimension * dimension)
        for i in 0..<dimension {
            for j in 0..<dimension {
                let rho = kind == .correlated ? pow(GaussianTarget.correlation, Double(abs(i - j))) : (i == j ? 1 : 0)
                c[i * dimension + j] = rho * sd[i] * sd[j]
            }
        }
        return c
    }

    /// Data for `ClassicModels.gaussian`: `mu` and either `sd` or the Cholesky factor `L`.
    public var data: DataSet {
        var d = DataSet(["mu": .vector(mean)], source: "gaussian(\(kind.rawValue), d=\(dimension))")
        if kind == .correlated {
            // Cholesky of the AR(1) correlation: row i is ρ^(i−j)·√(1−ρ²) for j ≥ 1, ρ^i at j = 0.
            let n = dimension, rho = GaussianTarget.correlation
            var l = [Double](repeating: 0, count: n * n)
            for i in 0..<n {
                l[i * n] = pow(rho, Double(i))
                if i > 0 { for j in 1...i { l[i * n + j] = pow(rho, Double(i - j)) * (1 - rho * rho).squareRoot() } }
            }
            d["L"] = DataArray(shape: [n, n], values: l)
        } else {
            d["sd"] = .vector(standardDeviations)
        }
        return d
    }
}
