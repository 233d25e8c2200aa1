import LeapfrogCore
import LeapfrogData
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogModel

/// `BoundModel.covarianceOnlyCholeskyFactors`: which Cholesky factors the back ends skip, taking
/// the multivariate normal's adjoint straight to the covariance; and that this gives the gradient
/// Murray's rule gives through the factor.
struct CovarianceCholeskyTests {
    /// A GP's marginal likelihood, y ~ N(0, K) with K = k(x, x) + noise·I through L = chol(K),
    /// two rows of outcomes; `alsoRead` adds a reader of L to the log density.
    static func gp(alsoRead: ((Expr, ModelBuilder) -> Void)? = nil) throws -> BoundModel {
        let graph = try ModelBuilder.build("gp") { m in
            let x = m.data("x", [5, 1]), y = m.data("y", [2, 5])
            let amplitude = m.parameter("amplitude", constraint: .positive)
            let length = m.parameter("length", constraint: .positive)
            let noise = m.parameter("noise", constraint: .positive)
            m.sample(amplitude, .logNormal(0, 1))
            m.sample(length, .logNormal(0, 1))
            m.sample(noise, .logNormal(-1, 1))
            let l = Expr.expQuadCov(x, x, amplitude: amplitude, lengthScale: length).addDiagonal(noise).cholesky()
            m.sample(y, .multiNormalCholesky(0, l))
            m.derive("whitened", l.solveLower(x))   // a derived quantity may read L
            alsoRead?(l, m)
        }
        var rng = TestRandom(seed: 3)
        return try BoundModel(graph: graph, data: DataSet([
            "x": DataArray(shape: [5, 1], values: rng.vector(5, -2, 2)),
            "y": DataArray(shape: [2, 5], values: rng.vector(10, -1, 1)),
        ]))
    }

    static func choleskyNode(_ model: BoundModel) -> Int {
        model.graph.nodes.firstIndex { $0.op == .cholesky }!
    }

    @Test func aFactorOnlyTheNormalReadsIsSkipped() throws {
        let model = try Self.gp()
        #expect(model.covarianceOnlyCholeskyFactors == [Self.choleskyNode(model)])
    }

    @Test func aFactorTheDensityReadsElsewhereIsNot() throws {
        let model = try Self.gp { l, m in m.target(-0.01 * l.square().sum()) }
        #expect(model.covarianceOnlyCholeskyFactors.isEmpty)
    }

    /// The skipped factor's gradient (½ Σ w wᵀ − (R/2) K⁻¹ to K from each term) against Murray's
    /// rule through L̄ on the same density, with one term and with a second (a latent f ~ N(0, K)):
    /// a reader that adds nothing (0 · Σ L) forces Murray's.
    @Test(arguments: [false, true])
    func theCovarianceAdjointIsMurraysRule(secondTerm: Bool) throws {
        func latent(_ l: Expr, _ m: ModelBuilder) { if secondTerm { m.sample(m.parameter("f", [5]), .multiNormalCholesky(0, l)) } }
        let direct = ReferenceModel(try Self.gp(alsoRead: latent))
        let murray = ReferenceModel(try Self.gp { l, m in latent(l, m); m.target(0.0 * l.sum()) })
        #expect(direct.model.covarianceOnlyCholeskyFactors.count == 1 && murray.model.covarianceOnlyCholeskyFactors.isEmpty)
        var rng = TestRandom(seed: 5)
        for _ in 0..<5 {
            let u = rng.vector(direct.dimension, -1, 1)
            let (lpA, gA) = direct.logDensityAndGradient(u), (lpB, gB) = murray.logDensityAndGradient(u)
            #expect(abs(lpA - lpB) <= 1e-12 * abs(lpB))
            for k in gA.indices { #expect(abs(gA[k] - gB[k]) <= 1e-10 * max(1, abs(gB[k])), "coordinate \(k) at \(u)") }
            #expect(GradientCheck.worstRelativeError(direct, at: u) < GradientCheck.tolerance)
        }
    }
}
