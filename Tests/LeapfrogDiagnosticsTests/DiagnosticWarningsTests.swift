import Testing
@testable import LeapfrogDiagnostics

struct DiagnosticWarningsTests {
    static func summary(_ name: String, rhat: Double = 1.001, essBulk: Double = 2000,
                        essTail: Double = 1800, nested: Double? = nil) -> ParameterSummary {
        ParameterSummary(name: name, mean: 0, sd: 1, q5: -1.6, q50: 0, q95: 1.6, mcseMean: 0.02,
                         mcseSD: 0.02, essBulk: essBulk, essTail: essTail, rhat: rhat,
                         nestedRHat: nested, chains: 4, drawsPerChain: 1000)
    }

    @Test func healthyRunHasNoWarnings() {
        let w = DiagnosticWarnings(summaries: [Self.summary("a"), Self.summary("b", rhat: 1.0099)],
                                   divergentCount: 0, totalDraws: 4000, treeDepthSaturatedCount: 0,
                                   maxTreeDepth: 10, ebfmi: [0.9, 1.1, 0.31, 0.8])
        #expect(w.isEmpty, "\(w)")
        #expect(w.description.isEmpty)
    }

    @Test func rhatNamesWorstFirstAndCapsTheList() {
        let s = (0..<8).map { Self.summary("p\($0)", rhat: 1.02 + 0.01 * Double($0)) } + [Self.summary("ok")]
        let w = DiagnosticWarnings(summaries: s)
        #expect(w.warnings.map(\.kind) == [.rhat])
        let m = w.warnings[0].message
        #expect(m.hasPrefix("R-hat > 1.01 for 8 parameters: p7 (1.090), p6 (1.080), p5 (1.070), p4 (1.060), p3 (1.050) and 3 more"), "\(m)")
        #expect(!m.contains("ok"))
    }

    /// The sampler's own remedy replaces the generic one in the R-hat warning, and only there.
    @Test func anUnmixedRunSaysTheSamplersRemedy() {
        let s = [Self.summary("a", rhat: 1.2, nested: 1.3)]
        let generic = DiagnosticWarnings(summaries: s)
        #expect(generic.warnings[0].message.hasSuffix("the chains have not mixed. Run longer or reparameterise."))
        let w = DiagnosticWarnings(summaries: s, unmixedRemedy: "Try NUTS.")
        #expect(w.warnings.map(\.kind) == [.rhat, .nestedRHat])
        #expect(w.warnings[0].message.hasSuffix("the chains have not mixed. Try NUTS."), "\(w.warnings[0].message)")
        #expect(w.warnings[1].message == generic.warnings[1].message)
    }

    @Test func essThresholdIsFourHundredTotal() {
        let w = DiagnosticWarnings(summaries: [Self.summary("lo", essBulk: 399, essTail: 400),
                                               Self.summary("tail", essBulk: 5000, essTail: 120.4)])
        #expect(w.warnings.map(\.kind) == [.essBulk, .essTail])
        #expect(w.warnings[0].message.hasPrefix("Bulk ESS < 400 (total over chains) for 1 parameter: lo (399)"))
        #expect(w.warnings[1].message.hasPrefix("Tail ESS < 400 (total over chains) for 1 parameter: tail (120)"))
    }

    @Test func samplerWarnings() {
        let w = DiagnosticWarnings(summaries: [], divergentCount: 12, totalDraws: 4000,
                                   treeDepthSaturatedCount: 30, maxTreeDepth: 10,
                                   ebfmi: [0.9, 0.21, 0.5, 0.18])
        #expect(w.warnings.map(\.kind) == [.divergences, .treeDepth, .ebfmi])
        #expect(w.warnings[0].message.hasPrefix("12 of 4000 draws (0.30%) ended in a divergence"))
        #expect(w.warnings[1].message.hasPrefix("30 of 4000 draws (0.75%) saturated the maximum tree depth of 10"))
        #expect(w.warnings[2].message.hasPrefix("E-BFMI < 0.3 for 2 of 4 chains: chain 1 (0.21), chain 3 (0.18)"))
    }

    @Test func nestedRHatAndCustomThresholds() {
        var t = DiagnosticWarnings.Thresholds()
        t.minimumESS = 100
        t.rhat = 1.05
        let w = DiagnosticWarnings(summaries: [Self.summary("mu", rhat: 1.03, essBulk: 150, nested: 1.2)],
                                   thresholds: t)
        #expect(w.warnings.map(\.kind) == [.nestedRHat])
        #expect(w.warnings[0].message.contains("mu (1.200)"))
    }

    /// With a list of identifiable quantities, R-hat, nested R-hat and ESS judge only those; the
    /// rest are counted in a note, and the sampler's and non-finite warnings still cover them.
    @Test func onlyIdentifiableQuantitiesAreJudged() {
        var nan = Self.summary("W2[3]")
        nan.nonFiniteCount = 2
        let s = [Self.summary("lp__", rhat: 1.02), Self.summary("W1[1,1]", rhat: 1.5, essBulk: 12, essTail: 30, nested: 1.4),
                 Self.summary("W1[1,2]", rhat: 1.3), Self.summary("prec", essBulk: 90),
                 Self.summary("mu_grid[1]"), Self.summary("mu_grid[12]", rhat: 1.2), nan]
        let w = DiagnosticWarnings(summaries: s, divergentCount: 3, totalDraws: 4000,
                                   identifiable: ["prec", "mu_grid", "lp__"])
        #expect(w.warnings.map(\.kind) == [.nonFinite, .rhat, .essBulk, .divergences])
        #expect(w.warnings[1].message.hasPrefix("R-hat > 1.01 for 2 parameters: mu_grid[12] (1.200), lp__ (1.020);"), "\(w.warnings[1].message)")
        #expect(w.warnings[2].message.hasPrefix("Bulk ESS < 400 (total over chains) for 1 parameter: prec (90);"))
        #expect(!w.warnings.dropFirst().contains { $0.message.contains("W1") })
        #expect(w.notes == ["R-hat and ESS not judged for 2 quantities that the model declares not identifiable "
                            + "(e.g. network weights: sign flips, permuted units); judged: prec, mu_grid, lp__. See the table."])
        #expect(w.description.hasSuffix(w.notes[0]))
        // Without the list, the weights are judged like everything else.
        let all = DiagnosticWarnings(summaries: s)
        #expect(all.notes.isEmpty)
        #expect(all.warnings.first { $0.kind == .rhat }!.message.contains("W1[1,1] (1.500)"))
        #expect(all.warnings.contains { $0.kind == .nestedRHat })
    }

    @Test func stanCSVNamesBelongToTheirQuantity() {
        #expect(DiagnosticWarnings.quantity(of: "mu_grid[3]") == "mu_grid")
        #expect(DiagnosticWarnings.quantity(of: "W1[2,5]") == "W1")
        #expect(DiagnosticWarnings.quantity(of: "theta.4") == "theta")
        #expect(DiagnosticWarnings.quantity(of: "lp__") == "lp__")
    }

    /// End to end: a chain stuck elsewhere is caught by summarize → warnings.
    @Test func endToEnd() {
        var draws = EdgeCaseTests.ar1(chains: 4, draws: 200, rho: 0.95)
        draws[3] = draws[3].map { $0 + 4 }
        let s = summarize(name: "stuck", draws: draws, superchains: 2)
        let w = DiagnosticWarnings(summaries: [s], totalDraws: 800)
        #expect(Set(w.warnings.map(\.kind)).isSuperset(of: [.rhat, .nestedRHat, .essBulk, .essTail]))
        #expect(w.description.contains("stuck ("))
    }
}
