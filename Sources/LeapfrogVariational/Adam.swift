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
        precondition(parameters.count == firstMoment.count && gradient.count == firstMoment.count,
                     "Adam: \(parameters.count) parameters and \(gradient.count) gradients for \(firstMoment.count) moments")
        steps += 1
        let b1 = Self.beta1, b2 = Self.beta2, epsilon = Self.epsilon
        let c1 = 1 - pow(b1, Double(steps)), c2 = 1 - pow(b2, Double(steps))
        let n = parameters.count
        parameters.withUnsafeMutableBufferPointer { phi in
            gradient.withUnsafeBufferPointer { g in
                firstMoment.withUnsafeMutableBufferPointer { m in
                    secondMoment.withUnsafeMutableBufferPointer { v in
                        for k in 0..<n {
                            m[k] = b1 * m[k] + (1 - b1) * g[k]
                            v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k]
                            phi[k] += learningRate * (m[k] / c1) / ((v[k] / c2).squareRoot() + epsilon)
                        }
                    }
                }
            }
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
