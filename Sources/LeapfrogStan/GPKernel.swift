import LeapfrogModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stan's stationary Gaussian-process kernels of a distance r (the Stan Functions Reference,
/// "Gaussian process covariance functions"), written once for the graph's expressions (model
/// block: `Lowering.distances` gives r) and for Doubles (transformed data, generated quantities).
/// `gp_exp_quad_cov` has a graph node of its own (`Operation.expQuadCov`).
enum GPKernel: String, CaseIterable {
    /// σ² exp(−r/ℓ).
    case exponential = "gp_exponential_cov"
    /// σ² (1 + √3 r/ℓ) exp(−√3 r/ℓ).
    case matern32 = "gp_matern32_cov"
    /// σ² (1 + √5 r/ℓ + 5r²/(3ℓ²)) exp(−√5 r/ℓ).
    case matern52 = "gp_matern52_cov"
    /// σ² exp(−2 sin²(π r/p)/ℓ²).
    case periodic = "gp_periodic_cov"

    /// The scalar arguments after the points, in Stan's order.
    var parameters: [String] { self == .periodic ? ["sigma", "l", "p"] : ["sigma", "l"] }

    /// How many sets of points `count` arguments hold (one: x; two: x1, x2), or nil.
    func pointSets(arguments count: Int) -> Int? {
        let sets = count - parameters.count
        return sets == 1 || sets == 2 ? sets : nil
    }

    /// The message for a call with `count` arguments that `pointSets` refuses.
    func usage(got count: Int) -> String {
        let list = parameters.joined(separator: ", ")
        return "\(rawValue) takes (x, \(list)) or (x1, x2, \(list)), got \(count) arguments"
    }

    /// The covariance of distance `r` given (σ, ℓ[, p]).
    func covariance<T: FormulaArithmetic & Periodic>(_ r: T, _ p: [T]) -> T {
        let (variance, length) = (p[0].square(), p[1])
        switch self {
        case .exponential:
            return variance * (-(r / length)).exp()
        case .matern32:
            let z = r * 3.0.squareRoot() / length
            return variance * (z + 1.0) * (-z).exp()
        case .matern52:
            let z = r * 5.0.squareRoot() / length
            return variance * (z + 1.0 + z.square() * (1.0 / 3.0)) * (-z).exp()
        case .periodic:
            let s = (r * Double.pi / p[2]).sine()
            return variance * (-2.0 * s.square() / length.square()).exp()
        }
    }
}

/// The sine, for the periodic kernel.
protocol Periodic { func sine() -> Self }

extension Double: Periodic { func sine() -> Double { sin(self) } }

extension Expr: Periodic { func sine() -> Expr { apply(.sin) } }
