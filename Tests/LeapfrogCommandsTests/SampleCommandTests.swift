import Leapfrog
import Testing
@testable import LeapfrogCommands

/// `leapfrog sample` end to end, in-process.
@Suite(.serialized)
struct SampleCommandTests {
    static func sample(_ args: [String]) throws -> RunResult {
        let command = try LeapfrogCommand.parseAsRoot(["sample"] + args + ["--quiet"])
        return try (command as! SampleCommand).execute()
    }

    @Test func eightSchoolsSummaryHasEveryParameterAndDerivedQuantity() throws {
        let out = try Self.sample(["eight-schools", "--chains", "4", "--warmup", "150", "--draws", "100", "--backend", "cpu", "--seed", "2"])
        #expect(out.draws == 100)
        let names = out.summaries.map(\.name)
        #expect(names.first == "lp__")
        #expect(names.contains("tau") && names.contains("theta_tilde[8]") && names.contains("theta[1]"))
        #expect(names.count == 1 + 10 + 8)
        let tau = try #require(out.summaries.first { $0.name == "tau" })
        #expect(tau.mean > 0 && tau.q5 > 0, "tau must be positive on the constrained scale")
        #expect(out.result.gradientEvaluations.allSatisfy { $0 > 0 })
    }

    @Test func superchainsGiveNestedRHat() throws {
        let out = try Self.sample(["eight-schools", "--chains", "8", "--superchains", "2", "--warmup", "100",
                                   "--draws", "50", "--backend", "cpu"])
        #expect(out.summaries.allSatisfy { $0.nestedRHat != nil })
    }

    /// The BNN's weights are not identifiable: a short run judges R-hat and ESS on prec, mu_grid
    /// and lp__ only, and a note counts the 45 weights it did not judge.
    @Test func bnnJudgesOnlyItsIdentifiableQuantities() throws {
        let out = try Self.sample(["bnn", "--chains", "4", "--warmup", "40", "--draws", "30", "--sampler", "hmc",
                                   "--steps", "8", "--backend", "cpu", "--seed", "3"])
        #expect(out.summaries.contains { $0.name == "W1[1,1]" })
        let judged: [DiagnosticWarnings.Kind] = [.rhat, .nestedRHat, .essBulk, .essTail]
        for w in out.warnings.warnings where judged.contains(w.kind) {
            #expect(!w.message.contains("W"), "\(w.message)")
        }
        #expect(out.warnings.notes.count == 1)
        #expect(out.warnings.notes.first?.hasPrefix("R-hat and ESS not judged for 45 quantities") == true, "\(out.warnings.notes)")
    }

    @Test(arguments: [["--chains", "0"], ["--draws", "-1"], ["--sampler", "gibbs"], ["--superchains", "3"],
                      ["--target-accept", "1.5"], ["--steps", "5", "--integration-time", "1"]])
    func impossibleFlagsAreRejected(_ flags: [String]) {
        #expect(throws: (any Error).self) { _ = try LeapfrogCommand.parseAsRoot(["sample", "eight-schools"] + flags) }
    }
}
