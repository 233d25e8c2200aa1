import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// `gaussian_dlm_obs` end to end: the bundled Nile local level model (`data/example-models/
/// nile.stan`: yₜ ~ N(θₜ, σ_y²), θₜ ~ N(θₜ₋₁, σ_θ²), flat priors on σ_y, σ_θ > 0) sampled with the
/// CLI's defaults reproduces its posterior, computed here by quadrature: the scalar Kalman filter's
/// likelihood on a grid of (σ_y, σ_θ), normalised.
@Suite(.serialized)
struct DynamicLinearModelSamplingTests {
    /// The grid: σ_y in 40…260 and σ_θ in 1…300, steps of 2 (the mass beyond it is below 10⁻¹⁷,
    /// and halving the steps moves the moments by less than 10⁻⁵).
    static let grid = (y: stride(from: 40.0, through: 260, by: 2), theta: stride(from: 1.0, through: 300, by: 2))

    /// Posterior means and sds of (σ_y, σ_θ) by quadrature.
    static func quadrature() throws -> [(String, Double, Double)] {
        let data = try StanJSON.load(path: PosteriorDBRun.root.appendingPathComponent("data/example-models/nile.data.json").path)
        let y = try #require(data["y"]).values
        let (m0, c0) = (try #require(data["m0"]).values[0], try #require(data["C0"]).values[0])
        var (sigmaY, sigmaTheta, logLikelihood) = ([Double](), [Double](), [Double]())
        for sy in grid.y {
            for st in grid.theta {
                let (v, w) = (sy * sy, st * st)
                var (m, c, lp) = (m0, c0, 0.0)
                for yt in y {
                    let r = c + w, q = r + v, e = yt - m
                    lp -= 0.5 * (log(q) + e * e / q)
                    let k = r / q
                    m += k * e
                    c = (1 - k) * (1 - k) * r + k * k * v
                }
                sigmaY.append(sy)
                sigmaTheta.append(st)
                logLikelihood.append(lp)
            }
        }
        let top = logLikelihood.max()!
        let weights = logLikelihood.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        func moments(_ x: [Double]) -> (Double, Double) {
            let mean = zip(x, weights).map { $0 * $1 }.reduce(0, +) / total
            let square = zip(x, weights).map { $0 * $0 * $1 }.reduce(0, +) / total
            return (mean, (square - mean * mean).squareRoot())
        }
        let (a, b) = (moments(sigmaY), moments(sigmaTheta))
        return [("sigma_y", a.0, a.1), ("sigma_theta", b.0, b.1)]
    }

    /// Each mean within 4 MCSE or 0.1 sd of the quadrature's, each sd within 10 %.
    @Test func nileReproducesItsQuadraturePosterior() throws {
        let exact = try Self.quadrature()
        let root = PosteriorDBRun.root.appendingPathComponent("data/example-models")
        let summary = try PosteriorDBRun.sample([root.appendingPathComponent("nile.stan").path, "--data",
                                                 root.appendingPathComponent("nile.data.json").path, "--seed", "1"], name: "nile")
        try PosteriorDBRun.expectReproduces(summary, exact.map { ($0.0, $0.1, 0, $0.2) })
    }
}
