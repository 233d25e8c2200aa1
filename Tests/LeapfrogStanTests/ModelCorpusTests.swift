import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogModels
import LeapfrogReference
import LeapfrogTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import LeapfrogStan

@Suite struct ModelCorpusTests {
    @Test func eightSchoolsNoncenteredMatchesBuiltin() throws {
        let builtin = try BuiltinModels.eightSchools.instantiate()
        let stan = try stanReference(StanCorpus.eightSchoolsNoncentered, builtin.data)
        let reference = try ReferenceModel(graph: builtin.graph, data: builtin.data)
        #expect(try StanProgram.compile(source: StanCorpus.eightSchoolsNoncentered).graph.parameters == builtin.graph.parameters)
        expectEquivalent(stan, reference, scale: 2)
        // theta is recorded as the built-in's derived theta.
        var rng = TestRandom(seed: 9)
        let u = rng.vector(stan.dimension)
        #expect(stan.model.derivedElementNames == reference.model.derivedElementNames)
        let (a, b) = (stan.derivedValues(u), reference.derivedValues(u))
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) })
    }

    @Test func eightSchoolsCenteredLoopMatchesBuiltin() throws {
        let builtin = try BuiltinModels.eightSchoolsCentered.instantiate()
        let model = try StanProgram.compile(source: StanCorpus.eightSchoolsCentered, path: "eight.stan")
        #expect(model.graph.terms.contains { $0.plate == .symbol("J") })
        let stan = try stanReference(StanCorpus.eightSchoolsCentered, builtin.data)
        expectEquivalent(stan, try ReferenceModel(graph: builtin.graph, data: builtin.data), scale: 2)
    }

    @Test func linearRegressionMatchesBuiltin() throws {
        let data = regressionData(n: 30, d: 3, seed: 2)
        let reference = try ReferenceModel(graph: try ClassicModels.linearRegression(priorScale: 10), data: data)
        expectEquivalent(try stanReference(StanCorpus.linearRegression, data), reference)
        expectEquivalent(try stanReference(StanCorpus.linearRegressionLoop, data), reference)
    }

    @Test func logisticRegressionMatchesBuiltin() throws {
        let data = regressionData(n: 40, d: 2, seed: 3, integerOutcome: true)
        let reference = try ReferenceModel(graph: try ClassicModels.logisticRegression(priorScale: 2.5), data: data)
        expectEquivalent(try stanReference(StanCorpus.logisticRegression, data), reference)
    }

    static func hierarchicalData(n: Int, groups: Int, seed: UInt64) -> DataSet {
        var rng = TestRandom(seed: seed)
        let g = (0..<n).map { 1 + $0 % groups }
        return DataSet(["N": .integer(n), "G": .integer(groups), "g": .integers(g),
                        "x": .vector(rng.vector(n, -1, 1)), "y": .vector(rng.vector(n, -2, 2))], source: "test")
    }

    static func hierarchicalGraph() throws -> ModelGraph {
        try ModelBuilder.build("hierarchical") { m in
            let g = m.data("g", ["N"], integer: true), x = m.data("x", ["N"]), y = m.data("y", ["N"])
            let muAlpha = m.parameter("mu_alpha"), sigmaAlpha = m.parameter("sigma_alpha", constraint: .positive)
            let alpha = m.parameter("alpha", ["G"]), beta = m.parameter("beta"), sigma = m.parameter("sigma", constraint: .positive)
            m.sample(muAlpha, .normal(0, 5))
            m.sample(sigmaAlpha, .halfCauchy(2.5))
            m.sample(alpha, .normal(muAlpha, sigmaAlpha))
            m.sample(beta, .normal(0, 1))
            m.sample(sigma, .exponential(1))
            m.sample(y, .normal(alpha[g] + beta * x, sigma), plate: "N")
        }
    }

    @Test func hierarchicalGroupIndicesMatchHandBuiltGraph() throws {
        let data = Self.hierarchicalData(n: 25, groups: 4, seed: 4)
        let reference = try ReferenceModel(graph: try Self.hierarchicalGraph(), data: data)
        expectEquivalent(try stanReference(StanCorpus.hierarchical, data), reference)
        expectEquivalent(try stanReference(StanCorpus.hierarchicalAssign, data), reference)
    }

    @Test func gpRegressionMatchesBuiltin() throws {
        var builtin = try BuiltinModels.gpRegression.instantiate()
        builtin.data["N"] = .integer(builtin.data["x"]!.count)
        let reference = try ReferenceModel(graph: builtin.graph, data: builtin.data)
        expectEquivalent(try stanReference(StanCorpus.gp, builtin.data), reference)
    }

    @Test func gpPredictiveMeanMatchesBuiltinDerivedQuantity() throws {
        var builtin = try BuiltinModels.gpRegression.instantiate()
        builtin.data["N"] = .integer(builtin.data["x"]!.count)
        builtin.data["G"] = .integer(builtin.data["x_grid"]!.count)
        let reference = try ReferenceModel(graph: builtin.graph, data: builtin.data)
        let stan = try stanReference(StanCorpus.gpPredictive, builtin.data)
        expectEquivalent(stan, reference, points: 2)
        var rng = TestRandom(seed: 11)
        let u = rng.vector(3, -0.5, 0.5)
        let (a, b) = (stan.derivedValues(u), reference.derivedValues(u))
        #expect(a.count == b.count && a.count == 40)
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) })
    }

    @Test func poissonGLMMatchesHandDerivedDensity() throws {
        var rng = TestRandom(seed: 5)
        let (n, k) = (20, 2)
        let x = (0..<n).map { _ in rng.vector(k, -1, 1) }
        let y = (0..<n).map { _ in Int(rng.uniform(0, 6)) }
        let exposure = rng.vector(n, 0.5, 2)
        let data = DataSet(["N": .integer(n), "K": .integer(k), "X": .matrix(rows: x), "y": .integers(y), "exposure": .vector(exposure)])
        let stan = try stanReference(StanCorpus.poissonGLM, data)
        // Hand-derived: Normal(0,2) and Student-t(3,0,1) priors and the Poisson log-likelihood,
        // up to constants; gradients by hand.
        func density(_ u: [Double]) -> (Double, [Double]) {
            let (alpha, beta) = (u[0], Array(u[1...]))
            var lp = -alpha * alpha / 8
            var grad = [-alpha / 4] + Array(repeating: 0.0, count: k)
            for j in 0..<k {
                lp += -2 * log1p(beta[j] * beta[j] / 3)
                grad[1 + j] += -2 * (2 * beta[j] / 3) / (1 + beta[j] * beta[j] / 3)
            }
            for i in 0..<n {
                let eta = alpha + zip(x[i], beta).map(*).reduce(0, +) + log(exposure[i])
                let r = Double(y[i]) - exp(eta)
                lp += Double(y[i]) * eta - exp(eta)
                grad[0] += r
                for j in 0..<k { grad[1 + j] += r * x[i][j] }
            }
            return (lp, grad)
        }
        var points = TestRandom(seed: 6)
        let base = points.vector(stan.dimension)
        let (s0, h0) = (stan.logDensity(base), density(base).0)
        for _ in 0..<5 {
            let u = points.vector(stan.dimension)
            let (ls, gs) = stan.logDensityAndGradient(u)
            let (lh, gh) = density(u)
            #expect(abs((ls - s0) - (lh - h0)) <= 1e-9 * max(1, abs(lh - h0)))
            #expect(zip(gs, gh).allSatisfy { abs($0 - $1) <= 1e-8 * max(1, abs($1)) })
            #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
        }
        // The generated quantity is the rate without exposure.
        let rate = stan.derivedValues(base)
        let eta0 = base[0] + zip(x[0], base[1...]).map(*).reduce(0, +)
        #expect(rate.count == n && abs(rate[0] - exp(eta0)) <= 1e-12 * exp(eta0))
    }

    @Test func bnnMatchesBuiltin() throws {
        let builtin = try BuiltinModels.bnn.instantiate()
        var data = builtin.data
        data["N"] = .integer(data["X"]!.shape[0])
        data["D"] = .integer(data["X"]!.shape[1])
        let reference = try ReferenceModel(graph: builtin.graph, data: builtin.data)
        // Same parameters as the built-in, in the same order, shapes and supports.
        #expect(try StanProgram.compile(source: StanCorpus.bnn).graph.parameters == builtin.graph.parameters)
        #expect(try StanProgram.compile(source: StanCorpus.bnnLoop).graph.parameters == builtin.graph.parameters)
        expectEquivalent(try stanReference(StanCorpus.bnn, data), reference, points: 3)
        expectEquivalent(try stanReference(StanCorpus.bnnLoop, data), reference, points: 3)
    }
}

