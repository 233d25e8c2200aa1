import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `y ~ ordered_logistic(eta, c)` (`Lowering+OrderedLogistic`): the log density against the
/// Functions Reference's definition written here, finite-difference gradients, the per-row loop
/// form against the vectorised one, far tails finite, and categories outside 1…K named.
@Suite struct OrderedLogisticTests {
    static let data = DataSet(["N": .integer(6), "K": .integer(4), "y": .integers([1, 2, 4, 3, 3, 1]),
                               "x": .vector([-1, 0.5, 2, 1, 0.2, -2])], source: "d.json")
    static let header = "data { int N; int K; array[N] int<lower=1, upper=K> y; vector[N] x; }\nparameters { real beta; ordered[K - 1] c; }\n"
    static let vectorised = header + "model { beta ~ normal(0, 2); y ~ ordered_logistic(x * beta, c); }"
    static let perRow = header + "model { beta ~ normal(0, 2); for (n in 1:N) y[n] ~ ordered_logistic(x[n] * beta, c); }"

    /// The definition: log(σ(η − c_{y−1}) − σ(η − c_y)) with c₀ = −∞, c_K = +∞, plus beta's prior
    /// and the ordered transform's log-Jacobian (u = [c₁, log(c₂ − c₁), …]).
    static func logDensity(_ u: [Double], x: [Double] = [-1, 0.5, 2, 1, 0.2, -2], y: [Int] = [1, 2, 4, 3, 3, 1]) -> Double {
        let beta = u[0]
        var c = [u[1]]
        for k in 2..<u.count { c.append(c.last! + exp(u[k])) }
        func sigma(_ z: Double) -> Double { 1 / (1 + exp(-z)) }
        let padded = [-Double.infinity] + c + [Double.infinity]
        var lp = -0.5 * (beta / 2) * (beta / 2) - log(2) - 0.5 * log(2 * Double.pi) + u[2...].reduce(0, +)
        for (yi, xi) in zip(y, x) { lp += log(sigma(xi * beta - padded[yi - 1]) - sigma(xi * beta - padded[yi])) }
        return lp
    }

    @Test func isTheDefinitionWithFiniteDifferenceGradients() throws {
        for source in [Self.vectorised, Self.perRow] {
            let stan = try stanReference(source, Self.data)
            for u in [[0.8, -1, log(1.3), log(1.2)], [-0.4, 0.2, -1, 0.5], [1.5, -2, 0.3, 0.1]] {
                #expect(abs(stan.logDensity(u) - Self.logDensity(u)) < 1e-12, "\(u)")
                #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
            }
        }
    }

    /// η far from every cutpoint (40, and 800, past where e^(−η) underflows): the middle
    /// categories' probabilities are differences of numbers within e^(−η) of 1, yet their logs
    /// stay finite and right (closed form here), and so does every other category's term, which
    /// the data multiply by 0 (one −∞ there made the whole density NaN).
    @Test func farTailsStayFinite() throws {
        for eta in [40.0, 800.0] {
            let data = DataSet(["N": .integer(3), "K": .integer(3), "y": .integers([2, 2, 3]), "x": .vector([eta, -eta, eta])], source: "t")
            let stan = try stanReference(Self.header + "model { y ~ ordered_logistic(x * beta, c); }", data)
            let u = [1.0, -0.5, 0.0]   // β = 1, c = (−0.5, 0.5)
            // P(y = 2 | η) = σ(η + 0.5) − σ(η − 0.5) ≈ e^(−|η|)(e^0.5 − e^−0.5) for large |η|; P(y = 3 | η) ≈ 1.
            let exact = 2 * (-eta + log(exp(0.5) - exp(-0.5)))
            #expect(abs(stan.logDensity(u) - exact) < 1e-9 * abs(exact), "η \(eta): \(stan.logDensity(u)) against \(exact)")
            let gradient = stan.logDensityAndGradient(u).1
            #expect(gradient.allSatisfy { $0.isFinite }, "η \(eta): \(gradient)")
        }
    }

    /// `ordered_probit`: the definition with Φ (erfc here), the vectorised and per-row forms,
    /// finite-difference gradients; and η far into either tail (±8, ±30: the middle category's
    /// probability a difference of numbers within 10⁻¹⁵ of 1 above the mode, of 0 below), where
    /// its log stays right (against log Φ's asymptotic difference) and the gradient finite.
    @Test func orderedProbitIsItsDefinition() throws {
        func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.squareRoot()) }
        func probit(_ u: [Double]) -> Double {
            let beta = u[0]
            var c = [u[1]]
            for k in 2..<u.count { c.append(c.last! + exp(u[k])) }
            let padded = [-Double.infinity] + c + [Double.infinity]
            var lp = -0.5 * (beta / 2) * (beta / 2) - log(2) - 0.5 * log(2 * Double.pi) + u[2...].reduce(0, +)
            for (yi, xi) in zip([1, 2, 4, 3, 3, 1], [-1, 0.5, 2, 1, 0.2, -2]) {
                lp += log(phi(xi * beta - padded[yi - 1]) - phi(xi * beta - padded[yi]))
            }
            return lp
        }
        for source in [Self.vectorised, Self.perRow] {
            let stan = try stanReference(source.replacingOccurrences(of: "ordered_logistic", with: "ordered_probit"), Self.data)
            for u in [[0.8, -1, log(1.3), log(1.2)], [-0.4, 0.2, -1, 0.5], [1.5, -2, 0.3, 0.1]] {
                #expect(abs(stan.logDensity(u) - probit(u)) < 1e-11 * abs(probit(u)), "\(u): \(stan.logDensity(u)) vs \(probit(u))")
                #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
            }
        }
        for eta in [8.0, 30.0] {
            let data = DataSet(["N": .integer(2), "K": .integer(3), "y": .integers([2, 2]), "x": .vector([eta, -eta])], source: "t")
            let stan = try stanReference(Self.header + "model { y ~ ordered_probit(x * beta, c); }", data)
            let u = [1.0, -0.5, 0.0]   // β = 1, c = (−0.5, 0.5)
            // P(y = 2 | η) = Φ(η + 0.5) − Φ(η − 0.5) = Φ(−η + 0.5) − Φ(−η − 0.5): log Φ(−η + 0.5) + log(1 − Φ(−η − 0.5)/Φ(−η + 0.5)),
            // the ratio from the tail's Mills-ratio form, e^(−η) · (η − 0.5)/(η + 0.5) to leading order.
            func logTail(_ z: Double) -> Double {   // log Φ(−z) for large z: −z²/2 − log(z√2π) + log(1 − 1/z² + 3/z⁴ − 15/z⁶)
                -0.5 * z * z - log(z * (2 * Double.pi).squareRoot()) + log(1 - 1 / (z * z) + 3 / pow(z, 4) - 15 / pow(z, 6))
            }
            let one = logTail(eta - 0.5) + log(-expm1(logTail(eta + 0.5) - logTail(eta - 0.5)))
            let got = stan.logDensity(u)
            #expect(abs(got - 2 * one) < 1e-6 * abs(one), "η ±\(eta): \(got) against \(2 * one)")
            #expect(stan.logDensityAndGradient(u).1.allSatisfy { $0.isFinite })
        }
    }

    @Test func aCategoryOutsideOneToKIsNamed() throws {
        let bad = DataSet(["N": .integer(2), "K": .integer(4), "y": .integers([1, 5]), "x": .vector([0, 1])], source: "d.json")
        let source = "data { int N; int K; array[N] int y; vector[N] x; }\nparameters { real beta; ordered[K - 1] c; }\nmodel { y ~ ordered_logistic(x * beta, c); }"
        let message = errorMessage { _ = try stanReference(source, bad) }
        #expect(message.contains("'y' element 2 is 5, but the outcome of an ordered model with 3 cutpoints is a category 1…4"), "\(message)")
        #expect(compileError("data { int N; array[N] int y; } parameters { vector[3] c; real e; } model { y ~ ordered_logistic(e, c, c); }")
            .contains("ordered_logistic takes 2 arguments"))
    }
}
