import Foundation
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

    /// Many chains get the adaptive warmup (with superchains for nested R-hat) unless
    /// `--fixed-warmup`; few chains keep Stan's schedule unless `--adaptive-warmup`.
    @Test func manyChainsWarmUpAdaptively() throws {
        func configuration(_ flags: [String]) throws -> SamplerConfiguration {
            try (LeapfrogCommand.parseAsRoot(["sample", "eight-schools"] + flags) as! SampleCommand).configuration()
        }
        let many = try configuration(["--chains", "\(SampleCommand.adaptiveWarmupChains)"])
        #expect(many.adaptiveWarmup != nil && many.superchains == 16)
        #expect(try configuration(["--chains", "4096", "--fixed-warmup"]).adaptiveWarmup == nil)
        #expect(try configuration(["--chains", "4"]).adaptiveWarmup == nil)
        let asked = try configuration(["--chains", "8", "--adaptive-warmup", "--superchains", "4"])
        #expect(asked.adaptiveWarmup != nil && asked.superchains == 4)
    }

    /// NUTS adapts every chain on its own at any chain count (as Stan and NumPyro do); HMC and
    /// ChEES pool their warmup statistics above 8 chains; the flags override either.
    @Test func nutsAdaptsEveryChainOnItsOwn() throws {
        func pooled(_ flags: [String]) throws -> Bool {
            try (LeapfrogCommand.parseAsRoot(["sample", "eight-schools"] + flags) as! SampleCommand).configuration().pooledAdaptation
        }
        #expect(try !pooled(["--chains", "4"]) && !pooled(["--chains", "1024"]))
        #expect(try !pooled(["--sampler", "chees", "--chains", "8"]) && pooled(["--sampler", "chees", "--chains", "9"]))
        #expect(try pooled(["--sampler", "hmc", "--chains", "128"]))
        #expect(try pooled(["--chains", "128", "--pooled-adaptation"]))
        #expect(try !pooled(["--sampler", "chees", "--chains", "128", "--no-pooled-adaptation"]))
    }

    /// An adaptive warmup and a target ESS, end to end: summary.json says when warmup ended and
    /// why, and what ESS the draws reached.
    @Test func adaptiveWarmupAndTargetESSAreRecorded() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-adaptive-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try Self.sample(["eight-schools", "--chains", "32", "--adaptive-warmup", "--warmup", "800", "--draws", "400",
                                   "--target-ess", "1500", "--backend", "cpu", "--seed", "3", "--output", dir])
        let summary = try SummaryFile.read(path: dir + "/summary.json")
        let warmup = try #require(summary.warmup)
        #expect(warmup.maximum == 800 && warmup.superchains == 16 && warmup.iterations == out.result.warmupIterations)
        #expect(warmup.converged == (warmup.iterations < 800), "\(warmup.reason)")
        let ess = try #require(summary.targetESS)
        #expect(ess.target == 1500 && ess.drawsPerChain == out.draws && out.draws < 400)
        #expect((ess.reached ?? 0) >= 1500)
        #expect(summary.configuration["warmup_kind"] == "adaptive" && summary.configuration["warmup_window"] == "50")
    }

    /// The adaptive warmup's windows: 50 iterations, 25 from 1,024 chains on, or `--warmup-window`.
    @Test func warmupWindowsShortenWithManyChains() throws {
        func window(_ flags: [String]) throws -> Int? {
            try (LeapfrogCommand.parseAsRoot(["sample", "eight-schools"] + flags) as! SampleCommand).configuration()
                .adaptiveWarmup?.window
        }
        #expect(try window(["--chains", "256"]) == 50 && window(["--chains", "1023", "--superchains", "3"]) == 50)
        #expect(try window(["--chains", "1024"]) == 25 && window(["--chains", "4096"]) == 25)
        #expect(try window(["--chains", "4096", "--warmup-window", "40"]) == 40)
        #expect(try window(["--chains", "4096", "--fixed-warmup"]) == nil)
        #expect(throws: (any Error).self) { _ = try LeapfrogCommand.parseAsRoot(["sample", "eight-schools", "--warmup-window", "0"]) }
    }

    /// `--init-buffer` and `--term-buffer` (CmdStan's `init_buffer`, `term_buffer`) set the buffers of
    /// either schedule; Stan's 75 and 50 otherwise; negative ones are refused by name.
    @Test func warmupBuffersReachEitherSchedule() throws {
        func buffers(_ flags: [String]) throws -> (initial: Int, terminal: Int) {
            try (LeapfrogCommand.parseAsRoot(["sample", "eight-schools"] + flags) as! SampleCommand).configuration().buffers
        }
        #expect(try buffers([]) == (75, 50) && buffers(["--chains", "1024"]) == (75, 50))
        #expect(try buffers(["--init-buffer", "30", "--term-buffer", "20"]) == (30, 20))
        let adaptive = try (LeapfrogCommand.parseAsRoot(["sample", "eight-schools", "--chains", "1024", "--init-buffer", "25",
                                                        "--term-buffer", "0"]) as! SampleCommand).configuration()
        #expect(adaptive.adaptiveWarmup?.initialBuffer == 25 && adaptive.adaptiveWarmup?.terminalBuffer == 0)
        #expect(adaptive.buffers == (25, 0))
        for flag in ["--init-buffer", "--term-buffer"] {
            #expect { _ = try LeapfrogCommand.parseAsRoot(["sample", "eight-schools", flag, "-1"]) } throws: { error in
                LeapfrogCommand.message(for: error).contains(flag)
            }
        }
    }

    /// `--report` draws the run's report at the end, into `--output`'s `report/`.
    @Test func reportIsDrawnAtTheEnd() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-report-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = try Self.sample(["eight-schools", "--chains", "4", "--warmup", "100", "--draws", "50", "--backend", "cpu",
                                   "--output", dir, "--report"])
        #expect(out.reportFile == dir + "/report/report.html")
        let html = try String(contentsOfFile: dir + "/report/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("tau"))
        #expect(throws: (any Error).self) { _ = try LeapfrogCommand.parseAsRoot(["sample", "eight-schools", "--report"]) }
    }

    @Test(arguments: [["--chains", "0"], ["--draws", "-1"], ["--sampler", "gibbs"], ["--superchains", "3"],
                      ["--target-accept", "1.5"], ["--steps", "5", "--integration-time", "1"],
                      ["--fixed-warmup", "--adaptive-warmup"], ["--target-ess", "0"], ["--chains", "7", "--adaptive-warmup"],
                      ["--steps", "5"], ["--sampler", "chees", "--jitter", "0.1"], ["--sampler", "hmc", "--integration-time", "inf"],
                      ["--backend", "cpu", "--device", "0"]])
    func impossibleFlagsAreRejected(_ flags: [String]) {
        #expect(throws: (any Error).self) { _ = try LeapfrogCommand.parseAsRoot(["sample", "eight-schools"] + flags) }
    }
}
