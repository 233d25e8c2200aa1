import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// The README's change-point example end to end: `examples/coal_change_point.stan` (the Stan
/// User's Guide's model, its discrete change year summed out and drawn again in generated
/// quantities) on the bundled coal-mining disasters. Its posterior is known exactly: given the
/// change year s the rates are conjugate, e | s ~ Gamma(A + 1, r_e + s − 1) with A the disasters
/// before s (l likewise after), and p(s) ∝ Γ(A + 1)/(r_e + s − 1)^(A+1) · Γ(B + 1)/(r_l + T − s + 1)^(B+1).
@Suite(.serialized)
struct ChangePointSamplingTests {
    /// The exact posterior mean and sd of e, l, s and the year.
    static func exactMoments(_ counts: [Int], rE: Double, rL: Double, firstYear: Double) -> [String: (mean: Double, sd: Double)] {
        let t = counts.count
        var logWeights: [Double] = [], moments: [(e: Double, e2: Double, l: Double, l2: Double)] = []
        for s in 1...t {
            let a = Double(counts[..<(s - 1)].reduce(0, +)), b = Double(counts[(s - 1)...].reduce(0, +))
            let (ne, nl) = (rE + Double(s - 1), rL + Double(t - s + 1))
            logWeights.append(lgamma(a + 1) - (a + 1) * log(ne) + lgamma(b + 1) - (b + 1) * log(nl))
            moments.append(((a + 1) / ne, (a + 1) * (a + 2) / (ne * ne), (b + 1) / nl, (b + 1) * (b + 2) / (nl * nl)))
        }
        let top = logWeights.max()!
        let w = logWeights.map { exp($0 - top) }
        let total = w.reduce(0, +)
        func expectation(_ f: (Int) -> Double) -> Double { (0..<t).map { w[$0] * f($0) }.reduce(0, +) / total }
        func row(_ m: Double, _ m2: Double) -> (mean: Double, sd: Double) { (m, (m2 - m * m).squareRoot()) }
        let s = row(expectation { Double($0 + 1) }, expectation { Double(($0 + 1) * ($0 + 1)) })
        return ["e": row(expectation { moments[$0].e }, expectation { moments[$0].e2 }),
                "l": row(expectation { moments[$0].l }, expectation { moments[$0].l2 }),
                "s": s, "year": (s.mean + firstYear - 1, s.sd)]
    }

    /// NUTS with default settings on OpenCL (PoCL here): each mean
    /// within 4 MCSE of the exact one, each sd within 10 %.
    @Test func theExampleReproducesTheExactPosterior() throws {
        let root = PosteriorDBRun.root
        let dataPath = root.appendingPathComponent("data/coal_mining_disasters.json").path
        let summary = try PosteriorDBRun.sample(
            [root.appendingPathComponent("examples/coal_change_point.stan").path, "--data", dataPath,
             "--chains", "4", "--draws", "1000", "--seed", "3", "--backend", "opencl"],
            name: "coal")
        let data = try StanJSON.load(path: dataPath)
        let exact = Self.exactMoments(data["D"]!.values.map { Int($0) }, rE: data["r_e"]!.values[0], rL: data["r_l"]!.values[0],
                                      firstYear: data["first_year"]!.values[0])
        for (name, (mean, sd)) in exact.sorted(by: { $0.key < $1.key }) {
            let row = try #require(summary.parameters.first { $0.name == name })
            #expect(abs(row.mean - mean) < 4 * row.mcseMean, "\(name): mean \(row.mean) ± \(row.mcseMean), exact \(mean)")
            #expect(abs(row.sd / sd - 1) < 0.1, "\(name): sd \(row.sd), exact \(sd)")
        }
    }
}
