import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Generated quantities the graph cannot express run on the host per draw
/// (`HostGeneratedQuantities`): posteriordb's HMM Viterbi decoding against a path computed by
/// hand and against every path enumerated, and what is still refused.
@Suite struct HostGeneratedQuantitiesTests {
    static let hmmExample = RepositoryData.path("posteriordb/stan/hmm_example.stan")

    /// The host quantities of `model` for the recorded row whose variables are `values` (by name;
    /// the rest 0), as name → values.
    static func generated(_ model: StanModel, _ data: DataSet, _ values: [String: [Double]],
                          key: DrawKey = DrawKey(seed: 1, chain: 0, draw: 0)) throws -> [String: [Double]] {
        let (graph, prepared) = try model.instantiate(data: data)
        let bound = try BoundModel(graph: graph, data: prepared)
        let host = try #require(try model.hostQuantities(data: data))
        var row: [Double] = []
        for (name, shape) in bound.recordedLayout {
            let n = shape.reduce(1, *)
            row += values[name] ?? Array(repeating: 0, count: n)
        }
        let out = try host.values(recorded: row, layout: bound.recordedLayout, key: key)
        var byName: [String: [Double]] = [:]
        var offset = 0
        for (name, shape) in host.variables {
            let n = shape.reduce(1, *)
            byName[name] = Array(out[offset..<(offset + n)])
            offset += n
        }
        return byName
    }

    static func hmmData(_ y: [Double]) -> DataSet {
        DataSet(["N": .integer(y.count), "K": .integer(2), "y": .vector(y)], source: "test")
    }

    /// log N(y | μ, 1).
    static func normal(_ y: Double, _ mu: Double) -> Double { -0.5 * (y - mu) * (y - mu) - 0.5 * Foundation.log(2 * Double.pi) }

    /// μ = (1, 11), every transition ½, y = (1, 11, 11, 1): the path is 1, 2, 2, 1 and its log
    /// probability 4 log N(0 | 0, 1) + 3 log ½ = 4(−0.918938533) + 3(−0.693147181) = −5.755195674.
    @Test func viterbiDecodesAPathComputedByHand() throws {
        let model = try StanProgram.load(path: Self.hmmExample)
        #expect(model.generatedQuantitiesOnHost)
        let g = try Self.generated(model, Self.hmmData([1, 11, 11, 1]),
                                   ["mu": [1, 11], "theta": [0.5, 0.5, 0.5, 0.5], "theta1": [0.5, 0.5], "theta2": [0.5, 0.5]])
        #expect(g["z_star"] == [1, 2, 2, 1])
        #expect(abs(g["log_p_z_star"]![0] - (-5.755195674)) < 1e-8)
    }

    /// At random parameters and data, z_star is the best of all 2⁷ paths and log_p_z_star its
    /// joint log probability with the data.
    @Test func viterbiFindsTheBestOfEveryPath() throws {
        let model = try StanProgram.load(path: Self.hmmExample)
        var rng = TestRandom(seed: 16)
        for _ in 0..<5 {
            let y = rng.vector(7, -1, 8)
            let mu = [rng.uniform() + 2, rng.uniform() + 5]
            let p = [0.5 + 0.4 * rng.uniform(), 0.5 + 0.4 * rng.uniform()]   // stay probabilities
            let theta = [[p[0], 1 - p[0]], [1 - p[1], p[1]]]
            let g = try Self.generated(model, Self.hmmData(y), ["mu": mu, "theta": theta.flatMap { $0 },
                                                                "theta1": theta[0], "theta2": theta[1]])
            var best = (path: [Int](), logp: -Double.infinity)
            for code in 0..<(1 << y.count) {
                let z = (0..<y.count).map { (code >> $0) & 1 }
                var lp = Self.normal(y[0], mu[z[0]])
                for t in 1..<y.count { lp += Foundation.log(theta[z[t - 1]][z[t]]) + Self.normal(y[t], mu[z[t]]) }
                if lp > best.logp { best = (z.map { $0 + 1 }, lp) }
            }
            #expect(g["z_star"] == best.path.map(Double.init), "y \(y), mu \(mu), theta \(theta)")
            #expect(abs(g["log_p_z_star"]![0] - best.logp) < 1e-9 * abs(best.logp))
        }
    }

    /// posteriordb's hmm_drive_0 writes `best_logp[1, K]` for `best_logp[1, k]`, so in Stan
    /// `best_logp[1, 1]` stays NaN; the decoding still runs (NaN > x is false) and every path
    /// then starts from state 2's recursion.
    @Test func theDriveModelsDecodeDespiteTheirTypo() throws {
        for name in ["hmm_drive_0", "hmm_drive_1"] {
            let model = try StanProgram.load(path: RepositoryData.path("posteriordb/stan/\(name).stan"))
            #expect(model.generatedQuantitiesOnHost)
        }
    }

    /// Generated quantities the graph expresses stay in the graph (computed on the device).
    @Test func deterministicGeneratedQuantitiesStayInTheGraph() throws {
        let model = try StanProgram.compile(source: "parameters { real mu; } model { mu ~ normal(0, 1); } generated quantities { real m2 = square(mu); }", path: "m.stan")
        #expect(!model.generatedQuantitiesOnHost)
        #expect(model.graph.derived.map(\.name) == ["m2"])
    }

    /// What the host cannot run is refused when the program is compiled, with the line.
    @Test func refusals() {
        let rng = compileError("parameters { real mu; } model { mu ~ normal(0, 1); } generated quantities { real y = 0; if (mu > 0) y = von_mises_rng(mu, 1); }")
        #expect(rng.contains("the random number generator 'von_mises_rng' is not supported yet; supported: bernoulli_logit_rng,"), "\(rng)")
        let function = compileError("parameters { real mu; } model { mu ~ normal(0, 1); } generated quantities { real y = 0; if (mu > 0) y = owens_t(mu, 1); }")
        #expect(function.contains("the function 'owens_t' is not supported in generated quantities yet"), "\(function)")
        let assign = compileError("parameters { real mu; } model { mu ~ normal(0, 1); } generated quantities { real y = 0; if (mu > 0) mu = 1; }")
        #expect(assign.contains("cannot assign to 'mu' in generated quantities"), "\(assign)")
        let unknown = compileError("parameters { real mu; } model { mu ~ normal(0, 1); } generated quantities { real y = 0; if (mu > 0) y = nu; }")
        #expect(unknown.contains("unknown identifier 'nu'"), "\(unknown)")
    }

    /// The host's log densities against their closed forms.
    @Test func hostDensities() throws {
        let h = HostInterpreter(env: [:], diagnostics: Diagnostics(path: "m.stan", source: ""))
        let l = StanSourceLocation(line: 1, column: 1)
        func lp(_ name: String, _ args: [DataArray]) throws -> Double { try #require(try h.logDensity(name, args, at: l)).values[0] }
        let halfLog2Pi = 0.918938533204672742
        #expect(abs(try lp("normal_lpdf", [.scalar(1), .scalar(0), .scalar(2)]) - (-0.125 - Foundation.log(2) - halfLog2Pi)) < 1e-14)
        #expect(abs(try lp("normal_lpdf", [.vector([1, -1]), .scalar(0), .scalar(1)]) - 2 * (-0.5 - halfLog2Pi)) < 1e-14)
        #expect(abs(try lp("exponential_lpdf", [.scalar(2), .scalar(3)]) - (Foundation.log(3) - 6)) < 1e-14)
        #expect(try lp("exponential_lpdf", [.scalar(-1), .scalar(3)]) == -.infinity)
        #expect(abs(try lp("poisson_lpmf", [.integer(3), .scalar(2)]) - (3 * Foundation.log(2) - 2 - Foundation.log(6))) < 1e-13)
        #expect(abs(try lp("poisson_log_lpmf", [.integer(3), .scalar(Foundation.log(2))]) - (3 * Foundation.log(2) - 2 - Foundation.log(6))) < 1e-13)
        #expect(abs(try lp("bernoulli_lpmf", [.integers([1, 0]), .scalar(0.25)]) - Foundation.log(0.25 * 0.75)) < 1e-14)
        #expect(abs(try lp("bernoulli_logit_lpmf", [.integer(1), .scalar(0)]) - Foundation.log(0.5)) < 1e-14)
        #expect(abs(try lp("cauchy_lpdf", [.scalar(1), .scalar(0), .scalar(1)]) - (-Foundation.log(2 * Double.pi))) < 1e-14)
        #expect(abs(try lp("lognormal_lpdf", [.scalar(1), .scalar(0), .scalar(1)]) - (-halfLog2Pi)) < 1e-14)
        #expect(try h.logDensity("foo_lpdf", [], at: l) == nil)
    }
}
