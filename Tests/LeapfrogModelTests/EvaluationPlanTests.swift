import LeapfrogData
import LeapfrogModel
import LeapfrogTestSupport
import Testing

/// `EvaluationPlan.work`: an evaluation's work split between the streamed plate's rows and what
/// is evaluated once per chain, the figure that decides whether a CPU device puts a few chains'
/// rows in its SIMD lanes.
@Suite struct EvaluationPlanTests {
    static let n = 100

    static func data(_ extra: [String: DataArray] = [:]) -> DataSet {
        var rng = TestRandom(seed: 3)
        var d = DataSet(["X": DataArray(shape: [n, 3], values: rng.vector(3 * n, -1, 1)), "y": .vector(rng.vector(n, -1, 1))])
        for (k, v) in extra { d[k] = v }
        return d
    }

    /// A network evaluated per row (the BNN's form) is mostly rows; its priors are the rest.
    @Test func aNetworkPerRowIsMostlyRows() throws {
        let graph = try ModelBuilder.build("net") { m in
            let X = m.data("X", ["N", 3]), y = m.data("y", ["N"])
            let W1 = m.parameter("W1", [3, 5]), W2 = m.parameter("W2", [5])
            for W in [W1, W2] { m.sample(W, .normal(0, 1)) }
            m.sample(y, .normal(X.matmul(W1).tanh().matmul(W2), 1), plate: "N")
        }
        let bound = try BoundModel(graph: graph, data: Self.data())
        let work = try EvaluationPlan(bound).work(bound)
        // Per row: 3·5 products, 5 tanh, 5 products, 4 for the density's element.
        #expect(work.rows >= Double(Self.n * (15 + 5 + 5)), "\(work)")
        #expect(work.whole < work.rows / 10, "\(work)")
    }

    /// A Gaussian process beside its outcomes: the kernel matrix (n²·d) and its factor (n³/3)
    /// are evaluated once per chain, far more than the rows' densities.
    @Test func aKernelMatrixAndItsFactorAreTheRest() throws {
        let graph = try ModelBuilder.build("gp") { m in
            let X = m.data("X", ["N", 3]), y = m.data("y", ["N"])
            let rho = m.parameter("rho", constraint: .positive), eta = m.parameter("eta", ["N"])
            m.sample(eta, .normal(0, 1))
            let f = Expr.expQuadCov(X, X, amplitude: 1.0, lengthScale: rho).addDiagonal(1e-6).cholesky().matmul(eta)
            m.sample(y, .normal(f, 1), plate: "N")
        }
        let bound = try BoundModel(graph: graph, data: Self.data())
        let work = EvaluationPlan.streamedWork(bound)
        let n = Double(Self.n)
        #expect(work.whole >= n * n * n / 3 + n * n * 3, "\(work)")
        #expect(work.rows < work.whole / 100, "\(work)")
    }
}
