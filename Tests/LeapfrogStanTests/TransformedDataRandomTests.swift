import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogRandom
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `_rng` calls in transformed data: drawn once when the data are read, from the Philox stream
/// (seed, shared chain word, iteration 0, purpose `.transformedData`), so the numbers are a
/// function of the run's seed only: the same for every chain and back end (the graph reads them
/// as data), other numbers for another seed, and the distributions' moments.
@Suite struct TransformedDataRandomTests {
    static let source = """
    data { int N; }
    transformed data {
      real z = normal_rng(0, 1);
      array[N] real y = normal_rng(rep_vector(3, N), 2);
      array[N] int k = poisson_rng(rep_vector(4, N));
    }
    parameters { real mu; }
    model { mu ~ normal(z, 1); y ~ normal(mu, 2); }
    """

    static func prepared(seed: UInt64, n: Int = 4) throws -> DataSet {
        let model = try StanProgram.compile(source: Self.source, path: "m.stan")
        return try model.instantiate(data: DataSet(["N": .integer(n)]), seed: seed).data
    }

    @Test func theNumbersAreTheSeedsStream() throws {
        let a = try Self.prepared(seed: 5), b = try Self.prepared(seed: 5), c = try Self.prepared(seed: 6)
        #expect(a["z"]?.values == b["z"]?.values && a["y"]?.values == b["y"]?.values && a["k"]?.values == b["k"]?.values)
        #expect(a["z"]?.values != c["z"]?.values)
        // The first call reads the first normal of the stream (seed, 2³² − 1, 0, transformedData).
        var stream = PhiloxStream(random: PhiloxRandom(seed: 5), chain: Int(PhiloxRandom.sharedChain), iteration: 0,
                                  purpose: .transformedData)
        #expect(a["z"]?.values == [stream.normal()])
        // Not the generated quantities' stream of chain 0, draw 0.
        var gq = PhiloxStream(random: PhiloxRandom(seed: 5), chain: 0, iteration: 0, purpose: .generatedQuantities)
        #expect(a["z"]?.values != [gq.normal()])
    }

    @Test func drawsHaveTheirDistributionsMoments() throws {
        let d = try Self.prepared(seed: 11, n: 20_000)
        let y = d["y"]!.values, k = d["k"]!.values
        let problems = [SampleMoments(y).disagreement(mean: 3, variance: 4), SampleMoments(k).disagreement(mean: 4, variance: 4)]
        #expect(problems.allSatisfy { $0 == nil }, "\(problems)")
        #expect(d["k"]!.isInteger)
    }

    /// The log density reads them as data: at μ = z the prior term is its maximum.
    @Test func theGraphReadsThemAsData() throws {
        let model = try StanProgram.compile(source: Self.source, path: "m.stan")
        let (graph, data) = try model.instantiate(data: DataSet(["N": .integer(1)]), seed: 3)
        let reference = try ReferenceModel(graph: graph, data: data)
        let z = data["z"]!.values[0], y = data["y"]!.values[0]
        // d/dμ [−(μ − z)²/2 − (y − μ)²/8] = 0 at μ = (4z + y)/5.
        let mu: Double = (4 * z + y) / 5
        let (_, g) = reference.logDensityAndGradient([mu])
        #expect(abs(g[0]) < 1e-12)
    }

    @Test func elsewhereTheyAreRefused() {
        #expect(compileError("parameters { real x; } transformed parameters { real w = normal_rng(x, 1); } model { }")
            .contains("random number generators (normal_rng) are only allowed in transformed data and generated quantities"))
    }
}
