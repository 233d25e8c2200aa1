import Leapfrog
import LeapfrogTestSupport
import Testing

/// Constrained types sampled with NUTS on the CPU reference reproduce distributions known in
/// closed form: a Dirichlet(2, 3, 5) simplex (means αₖ/Σα, sds √(αₖ(α₀ − αₖ)/(α₀²(α₀ + 1)))),
/// the correlation of an LKJ(2) 2×2 Cholesky factor (density ∝ 1 − r², sd √0.2), the
/// off-diagonal of an LKJ(1) 3×3 correlation matrix (2·Beta(1.5, 1.5) − 1, sd 0.5), and an
/// ordered pair of standard normals (the order statistics: means ∓1/√π).
struct StanConstrainedSamplingTests {
    @Test func constrainedDrawsFollowKnownDistributions() throws {
        let source = """
        data { vector[3] alpha; }
        parameters { simplex[3] theta; cholesky_factor_corr[2] L; corr_matrix[3] Omega; ordered[2] c; }
        model { theta ~ dirichlet(alpha); L ~ lkj_corr_cholesky(2); Omega ~ lkj_corr(1); c ~ normal(0, 1); }
        """
        let model = try StanProgram.compile(source: source, path: "constrained.stan")
        let (graph, data) = try model.instantiate(data: DataSet(["alpha": .vector([2, 3, 5])]))
        let reference = try ReferenceModel(graph: graph, data: data)
        var config = SamplerConfiguration()
        config.chains = 4
        config.warmup = 500
        config.draws = 1000
        config.seed = 16
        let (sink, _) = try Sampler.sample(model: reference, configuration: config)
        let names = reference.model.derivedElementNames
        let rows = sink.positions.flatMap { $0 }.map { reference.derivedValues($0) }
        func column(_ name: String) -> [Double] { let k = names.firstIndex(of: name)!; return rows.map { $0[k] } }
        func moments(_ xs: [Double]) -> (Double, Double) {
            let m = xs.reduce(0, +) / Double(xs.count)
            return (m, (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count - 1)).squareRoot())
        }
        // 4000 draws with ESS above 2000 (as measured): means within 5 Monte Carlo standard
        // errors (5·sd/√2000), sds within 10 %.
        func expect(_ name: String, mean: Double, sd: Double, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            let (m, s) = moments(column(name))
            #expect(abs(m - mean) < 5 * sd / 2000.0.squareRoot(), "\(name) mean \(m), expected \(mean)", sourceLocation: sourceLocation)
            #expect(abs(s - sd) < 0.1 * sd, "\(name) sd \(s), expected \(sd)", sourceLocation: sourceLocation)
        }
        for (k, a) in [2.0, 3, 5].enumerated() {
            expect("theta[\(k + 1)]", mean: a / 10, sd: (a * (10 - a) / (100 * 11)).squareRoot())
        }
        expect("L[2,1]", mean: 0, sd: 0.2.squareRoot())
        expect("Omega[1,2]", mean: 0, sd: 0.5)
        expect("Omega[2,3]", mean: 0, sd: 0.5)
        let inversePi = 1 / Double.pi.squareRoot()
        expect("c[1]", mean: -inversePi, sd: (1 - 1 / Double.pi).squareRoot())
        expect("c[2]", mean: inversePi, sd: (1 - 1 / Double.pi).squareRoot())
        for row in rows {
            let theta = (1...3).map { row[names.firstIndex(of: "theta[\($0)]")!] }
            #expect(abs(theta.reduce(0, +) - 1) < 1e-12 && theta.allSatisfy { $0 > 0 })
            #expect(row[names.firstIndex(of: "c[1]")!] < row[names.firstIndex(of: "c[2]")!])
        }
    }
}
