#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Nesterov dual averaging of the log step size towards a target acceptance statistic.
///
/// Source: Hoffman & Gelman (2014), "The No-U-Turn Sampler", Algorithm 5; Stan
/// `stepsize_adaptation.hpp` (`learn_stepsize`, the statistic capped at 1, restart at each
/// window end with μ = log(10 ε)). State only: the target and constants are parameters.
public struct DualAveraging: Sendable, Hashable {
    public struct Parameters: Sendable, Hashable {
        public var target: Double
        /// Stan `stepsize_adaptation` defaults: gamma 0.05, kappa 0.75, t0 10.
        public var gamma = 0.05
        public var kappa = 0.75
        public var t0 = 10.0
        public init(target: Double) { self.target = target }
    }

    /// Stan: μ = log(μFactor · ε₀) with the factor 10 (`set_mu(log(10 * epsilon))`).
    public static let muFactor = 10.0

    public private(set) var counter = 0.0
    public private(set) var sBar = 0.0
    public private(set) var xBar = 0.0
    public private(set) var mu: Double

    public init(initialStepSize: Double) {
        mu = log(Self.muFactor * initialStepSize)
    }

    /// Restart around a new initial step size (Stan does this at the end of every slow window).
    public mutating func restart(initialStepSize: Double) {
        self = DualAveraging(initialStepSize: initialStepSize)
    }

    /// One update with the iteration's statistic; returns the next step size exp(x).
    public mutating func update(statistic: Double, parameters: Parameters) -> Double {
        counter += 1
        let stat = statistic.isNaN ? 0 : min(1, statistic)
        let eta = 1 / (counter + parameters.t0)
        sBar = (1 - eta) * sBar + eta * (parameters.target - stat)
        let x = mu - sBar * counter.squareRoot() / parameters.gamma
        let xEta = pow(counter, -parameters.kappa)
        xBar = (1 - xEta) * xBar + xEta * x
        return exp(x)
    }

    /// The step size to sample with once warmup ends: exp(x̄).
    public var finalStepSize: Double { exp(xBar) }
}
