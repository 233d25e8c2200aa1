import LeapfrogCore
import Testing
@testable import LeapfrogDiagnostics

struct SummaryTableTests {
    static func summary(_ name: String, mean: Double = 4.3912, rhat: Double = 1.0041,
                        nested: Double? = nil) -> ParameterSummary {
        ParameterSummary(name: name, mean: mean, sd: 3.3102, q5: -1.0149, q50: 4.4213, q95: 9.7871,
                         mcseMean: 0.11742, mcseSD: 0.081, essBulk: 800.6, essTail: 855.2, rhat: rhat,
                         nestedRHat: nested, chains: 4, drawsPerChain: 1000)
    }

    @Test func rendersStansummaryLayout() {
        let text = SummaryTable([Self.summary("mu"), Self.summary("theta[1]", mean: -0.000123, rhat: .nan)])
            .render()
        let expected = """
            name           Mean   MCSE  StdDev     5%   50%   95%  ESS_bulk  ESS_tail  R_hat
            mu             4.39  0.117    3.31  -1.01  4.42  9.79       801       855  1.004
            theta[1]  -1.23e-04  0.117    3.31  -1.01  4.42  9.79       801       855    NaN

            """
        #expect(text == expected, "\n\(text)")
    }

    @Test func columnsAlignForAnyNameLength() {
        let long = "a_very_long_parameter_name_that_is_not_truncated[12,3]"
        let text = SummaryTable([Self.summary("x"), Self.summary(long), Self.summary("sigma", mean: 12345.678)])
            .render()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[2].hasPrefix(long + "  "))
        // Right-aligned numeric columns end at the same offsets on every line.
        let ends = lines.map { $0.count }
        #expect(Set(ends).count == 1, "\(ends)\n\(text)")
        #expect(lines[0].hasPrefix("name" + String(repeating: " ", count: long.count - 4)))
        #expect(lines[3].contains(" 12346 "))
        #expect(lines[0].hasSuffix("R_hat"))
    }

    @Test func nestedColumnAppearsOnlyWhenPresent() {
        #expect(!SummaryTable([Self.summary("a")]).render().contains("nR_hat"))
        let t = SummaryTable([Self.summary("a", nested: 1.0234), Self.summary("b")]).render()
        let lines = t.split(separator: "\n").map(String.init)
        #expect(lines[0].hasSuffix("R_hat  nR_hat"))
        #expect(lines[1].hasSuffix("1.023"))
        #expect(lines[2].hasSuffix("1.004"))  // blank nested cell, trailing spaces trimmed
    }

    @Test func numberFormatting() {
        #expect(NumberFormat.significant(4.3912) == "4.39")
        #expect(NumberFormat.significant(-0.0123456) == "-0.0123")
        #expect(NumberFormat.significant(9.996) == "10.0")
        #expect(NumberFormat.significant(0.0009996) == "1.00e-03")
        #expect(NumberFormat.significant(123456.7) == "123457")
        #expect(NumberFormat.significant(2.5e7) == "2.50e+07")
        #expect(NumberFormat.significant(0) == "0")
        #expect(NumberFormat.significant(.nan) == "NaN")
        #expect(NumberFormat.significant(-.infinity) == "-inf")
        #expect(NumberFormat.fixed(1.0005, decimals: 3) == "1.000" || NumberFormat.fixed(1.0005, decimals: 3) == "1.001")
        #expect(NumberFormat.fixed(-0.0004, decimals: 3) == "0.000")
        #expect(NumberFormat.fixed(0.05, decimals: 3) == "0.050")
        #expect(NumberFormat.integer(800.5) == "801")
    }

    @Test func rendersRealSummaries() {
        let a = summarize(name: "alpha", draws: EdgeCaseTests.ar1(chains: 4, draws: 200, rho: 0.5))
        let b = summarize(name: "beta[1]", draws: EdgeCaseTests.ar1(chains: 4, draws: 200, rho: 0.9, seed: 7))
        let text = SummaryTable([a, b]).description
        #expect(text.split(separator: "\n").count == 3)
        #expect(text.contains("alpha") && text.contains("beta[1]") && !text.contains("NaN"))
    }
}

/// `summarize(_:superchains:)` over the cores gives each item's summary as one call per item does:
/// AR(1) chains of three lengths (odd: the split drops a middle draw), so items share score tables,
/// scales and correlations, above the parallel threshold.
struct BatchedSummaryTests {
    @Test(arguments: [nil, 2] as [Int?]) func batchedSummariesAreTheOneAtATimeOnes(superchains: Int?) {
        var rng = SplitMixNormals(state: 42)
        let items: [(name: String, draws: Draws)] = (0..<7).map { k in
            let rho = 0.1 * Double(k), scale = 1 + Double(k)
            let draws = (0..<8).map { _ in
                var x = 0.0
                return (0..<(2_001 + 100 * (k % 3))).map { _ in x = rho * x + (1 - rho * rho).squareRoot() * rng.next(); return scale * x }
            }
            return ("q[\(k)]", Draws(draws))
        }
        #expect(items.reduce(0) { $0 + $1.draws.count } >= 1 << 16)
        let batched = summarize(items, superchains: superchains)
        #expect(batched.map(\.name) == items.map(\.name))
        for (b, item) in zip(batched, items) {
            #expect(b == summarize(name: item.name, draws: item.draws, superchains: superchains), "\(item.name)")
            #expect(b.essBulk.isFinite && b.rhat.isFinite)
        }
        #expect(summarize([], superchains: superchains).isEmpty)
    }
}
