import Foundation
import Leapfrog
import Testing
@testable import LeapfrogCommands

/// Generated quantities run on the host per draw, end to end: posteriordb's hmm_example (its
/// forward algorithm a recurrence in the graph, its Viterbi decoding on the host) sampled with the
/// CLI reproduces posteriordb's reference posterior and records the decoded path; an `if` on a
/// parameter in generated quantities records the indicator's posterior mean.
@Suite(.serialized)
struct HostGeneratedQuantitiesSamplingTests {
    /// posteriordb's reference posterior for `hmm_example-hmm_example` (stan-dev/posteriordb,
    /// BSD-3-Clause, commit 28f8d3d, `reference_posteriors/draws/draws/hmm_example-hmm_example.json.zip`:
    /// 10 chains × 1,000 draws): name, mean, MCSE of the mean (sd/√10000), sd. The reference has
    /// the parameters only, not the generated quantities.
    static let reference: [(String, Double, Double, Double)] = [
        ("theta1[1]", 0.666645, 0.001012, 0.10123),
        ("theta1[2]", 0.333355, 0.001012, 0.10123),
        ("theta2[1]", 0.0731326, 0.0002844, 0.028442),
        ("theta2[2]", 0.926867, 0.0002844, 0.028442),
        ("mu[1]", 3.02152, 0.002245, 0.22445),
        ("mu[2]", 8.82728, 0.001106, 0.11058),
    ]

    /// The criterion (each mean within 4 combined MCSE or 0.1 sd, each sd within 10 %);
    /// every decoded state is in 1…2 and the path's log probability is finite.
    @Test func hmmExampleReproducesItsReferenceAndDecodes() throws {
        let summary = try PosteriorDBRun.sample(
            PosteriorDBRun.arguments(model: "hmm_example", data: "hmm_example",
                                     ["--chains", "4", "--warmup", "300", "--draws", "300", "--seed", "1"]), name: "hmm")
        try PosteriorDBRun.expectReproduces(summary, Self.reference)
        let states = summary.parameters.filter { $0.name.hasPrefix("z_star[") }
        #expect(states.count == 100)
        for s in states { #expect(s.mean >= 1 && s.mean <= 2, "\(s.name): \(s.mean)") }
        let logp = try #require(summary.parameters.first { $0.name == "log_p_z_star" })
        #expect(logp.mean.isFinite && logp.mean < 0)
    }

    /// μ ~ N(0, 1) and `if (mu > 0) above = 1;`: above's posterior mean is P(μ > 0) = ½ within
    /// 4 MCSE.
    @Test func anIfOnAParameterRecordsItsIndicator() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-gq-if-\(getpid()).stan").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try """
            parameters { real mu; }
            model { mu ~ normal(0, 1); }
            generated quantities { int above = 0; if (mu > 0) { above = 1; } }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let summary = try PosteriorDBRun.sample([path, "--chains", "4", "--warmup", "200", "--draws", "1000", "--seed", "3", "--backend", "cpu"],
                                      name: "gq-if")
        let above = try #require(summary.parameters.first { $0.name == "above" })
        #expect(abs(above.mean - 0.5) < 4 * above.mcseMean, "above: \(above.mean) ± \(above.mcseMean)")
    }
}
