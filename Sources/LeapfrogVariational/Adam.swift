#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (Kingma & Ba, "Adam: a method for stochastic optimization", ICLR 2015, Algorithm 1),
/// here ascending: φ ← φ + η_t · m̂ / (√v̂ + ϵ).
public struct Adam: Sendable, Hashable {
    /// β₁, β₂, ϵ: the paper's defaults.
    public static let beta1 = 0.9
    public static let beta2 = 0.999
    public static let epsilon = 1e-8

    public private(set) var firstMoment: [Double]
    public private(set) var secondMoment: [Double]
    public private(set) var steps = 0

    public init(count: Int) {
        firstMoment = Array(repeating: 0, count: count)
        secondMoment = Array(repeating: 0, count: count)
    }

    /// One ascent step of size `learningRate` along `gradient`.
    public mutating func step(_ parameters: inout [Double], gradient: [Double], learningRate: Double) {
        steps += 1
        let c1 = 1 - pow(Self.beta1, Double(steps)), c2 = 1 - pow(Self.beta2, Double(steps))
        for k in parameters.indices {
            firstMoment[k] = Self.beta1 * firstMoment[k] + (1 - Self.beta1) * gradient[k]
            secondMoment[k] = Self.beta2 * secondMoment[k] + (1 - Self.beta2) * gradient[k] * gradient[k]
            parameters[k] += learningRate * (firstMoment[k] / c1) / ((secondMoment[k] / c2).squareRoot() + Self.epsilon)
        }
    }
}

/// The step-size schedule: η_t = η / √(1 + t/τ) for iteration t (from 0), the inverse-square-root
/// decay of a Robbins–Monro sequence (Σ η_t = ∞, and η_t → 0 so the iterate settles), with
/// τ = `decayIterations`. Stan's ADVI uses η·t^(−1/2+ε) inside its own adaptive rule
/// (Kucukelbir et al. 2017, eq. 10); the same exponent here, delayed by τ so that the first
/// τ iterations run at about η.
public struct LearningRateSchedule: Sendable, Hashable {
    /// τ: iterations before the rate has fallen by 1/√2.
    public static let defaultDecayIterations = 1000.0

    public var learningRate: Double
    public var decayIterations: Double

    public init(learningRate: Double, decayIterations: Double = LearningRateSchedule.defaultDecayIterations) {
        self.learningRate = learningRate
        self.decayIterations = decayIterations
    }

    public func rate(iteration t: Int) -> Double { learningRate / (1 + Double(t) / decayIterations).squareRoot() }
}
