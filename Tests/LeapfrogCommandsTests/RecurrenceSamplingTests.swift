import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// A recurrence end to end: posteriordb's arK (an AR(5) likelihood, `for (t in (K + 1):T)` with
/// `y[t - k]` in an inner loop over `1:K`) sampled with the CLI's defaults reproduces posteriordb's
/// reference posterior.
@Suite(.serialized)
struct RecurrenceSamplingTests {
    /// posteriordb's reference posterior for `arK-arK` (stan-dev/posteriordb, BSD-3-Clause,
    /// commit 7e52000, `reference_posteriors/summary_statistics/mean/mean/arK-arK.json`): name,
    /// mean, MCSE of the mean; the sd from `mean_squared_value/mean_squared_value/arK-arK.json`
    /// (commit 28f8d3d) as √(E[x²] − E[x]²).
    static let reference: [(String, Double, Double, Double)] = [
        ("alpha", -0.000718650251261263, 0.000106240747686088, 0.010708),
        ("beta[1]", 0.692163279812727, 0.000722052266688382, 0.070547),
        ("beta[2]", 0.439043080115602, 0.000907972815290037, 0.087305),
        ("beta[3]", 0.105816025140126, 0.000922855852323399, 0.093078),
        ("beta[4]", -0.0354350382459401, 0.000854130749737874, 0.086038),
        ("beta[5]", -0.301512065609031, 0.000699559554459409, 0.06988),
        ("sigma", 0.150566659032913, 7.96546722860024e-05, 0.0077743),
    ]

    /// The criterion: each mean within 4 combined MCSE or 0.1 sd of the reference, each sd
    /// within 10 % (4 chains × 300 draws give sds to about ±3 %).
    @Test func arKReproducesItsReferencePosterior() throws {
        let summary = try PosteriorDBRun.sample(
            PosteriorDBRun.arguments(model: "arK", data: "arK", ["--chains", "4", "--warmup", "300", "--draws", "300", "--seed", "1"]),
            name: "arK")
        try PosteriorDBRun.expectReproduces(summary, Self.reference)
    }
}
