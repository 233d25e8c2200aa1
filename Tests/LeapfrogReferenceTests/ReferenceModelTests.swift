import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogTestSupport
import Testing
@testable import LeapfrogReference

/// Every operation's gradient against finite differences, through a whole graph: the op's
/// output is contracted with fixed random weights (so every output element's adjoint differs)
/// and added to the target.
struct ReferenceModelTests {
    /// Builds a model whose target is Σ wᵢ·f(...)ᵢ, with `weights` data sized to the output.
    static func contract(_ name: String, _ body: (ModelBuilder) -> Expr, outputShape: [Int],
                         extraData: [String: DataArray] = [:]) throws -> ReferenceModel {
        let graph = try ModelBuilder.build(name) { m in
            let out = body(m)
            let w = m.data("weights", outputShape.map { .fixed($0) })
            m.target((out * w).sum())
        }
        var rng = TestRandom(seed: 7)
        var data = DataSet(extraData)
        data["weights"] = DataArray(shape: outputShape, values: rng.vector(outputShape.reduce(1, *), -1, 1))
        return try ReferenceModel(graph: graph, data: data)
    }

    static func check(_ model: ReferenceModel, seed: UInt64 = 1, scale: Double = 1) {
        var rng = TestRandom(seed: seed)
        for _ in 0..<3 {
            let u = rng.vector(model.dimension, -scale, scale)
            let err = GradientCheck.worstRelativeError(model, at: u)
            #expect(err < GradientCheck.tolerance, "\(model.model.graph.name): relative error \(err) at \(u)")
            #expect(model.logDensity(u).isFinite)
        }
    }

    @Test(arguments: [Operation.negate, .exp, .log, .log1p, .expm1, .sqrt, .square, .tanh, .invLogit,
                      .logInvLogit, .log1pExp, .relu, .lgamma])
    func unaryGradients(_ op: Operation) throws {
        // Positive arguments (lower-bounded parameter) keep log, sqrt and lgamma in their domain;
        // relu sees both signs through an unconstrained parameter.
        let positive: Set<Operation> = [.log, .log1p, .sqrt, .lgamma]
        let model = try Self.contract("unary-\(op)", { m in
            let x = m.parameter("x", [2, 3], constraint: positive.contains(op) ? .lower(0.05) : .none)
            return x.apply(op)
        }, outputShape: [2, 3])
        Self.check(model)
    }

    @Test(arguments: [Operation.add, .subtract, .multiply, .divide, .pow])
    func binaryGradientsWithBroadcasting(_ op: Operation) throws {
        // [2,3] ∘ [3] and scalar ∘ [2,3]: both broadcasting directions.
        let model = try Self.contract("binary-\(op)", { m in
            let a = m.parameter("a", [2, 3], constraint: .lower(0.2))
            let b = m.parameter("b", [3], constraint: .lower(0.2))
            let s = m.parameter("s", constraint: .lower(0.2))
            return a.apply(op, b) + s.apply(op, a)
        }, outputShape: [2, 3])
        Self.check(model)
    }

    @Test(arguments: [([2, 3], [3, 4]), ([2, 3], [3]), ([3], [3, 4]), ([3], [3])])
    func matmulGradients(_ shapes: ([Int], [Int])) throws {
        let (sa, sb) = shapes
        let out = Array(sa.dropLast()) + Array(sb.dropFirst())
        let model = try Self.contract("matmul", { m in
            m.parameter("A", sa.map { .fixed($0) }).matmul(m.parameter("B", sb.map { .fixed($0) }))
        }, outputShape: out)
        Self.check(model)
    }

    @Test func transposeAndReductionsGradients() throws {
        let model = try Self.contract("reductions", { m in
            let a = m.parameter("A", [2, 3])
            return a.transposed() * a.sum() + a.transposed().mean()
        }, outputShape: [3, 2])
        Self.check(model)
    }

    /// log P(a, x) and log Q(a, x), a [3] against x [2, 3] (broadcast), on both sides of x = a + 1.
    @Test(arguments: [Operation.logGammaP, .logGammaQ])
    func incompleteGammaGradients(_ op: Operation) throws {
        let model = try Self.contract("gamma-\(op)", { m in
            m.parameter("a", [3], constraint: .lower(0.2)).apply(op, m.parameter("x", [2, 3], constraint: .lower(0.1)))
        }, outputShape: [2, 3])
        Self.check(model, scale: 1.5)
    }

    /// log I_x(a, b) and log(1 − I_x(a, b)), a and b [3] against x [2, 3] (broadcast), x in (0, 1)
    /// through a logistic transform, on both sides of the fraction's split.
    @Test(arguments: [Operation.logIncBeta, .log1mIncBeta])
    func incompleteBetaGradients(_ op: Operation) throws {
        let model = try Self.contract("beta-\(op)", { m in
            m.parameter("a", [3], constraint: .lower(0.2))
                .apply(op, m.parameter("b", [3], constraint: .lower(0.3)), m.parameter("x", [2, 3], constraint: .bounded(0, 1)))
        }, outputShape: [2, 3])
        Self.check(model, scale: 1.5)
    }

    /// A vector as a column, broadcast against a vector ([3, 1] with [2] → [3, 2]) and alone.
    @Test func columnGradients() throws {
        let model = try Self.contract("column", { m in
            let a = m.parameter("a", [3])
            return a.column() * m.parameter("b", [2]) + a.column().exp()
        }, outputShape: [3, 2])
        Self.check(model)
    }

    @Test(arguments: [Operation.logSumExp, .softmax, .logSoftmax])
    func lastAxisMapsGradients(_ op: Operation) throws {
        let model = try Self.contract("lastaxis-\(op)", { m in m.parameter("A", [2, 4]).apply(op) },
                                      outputShape: op == .logSumExp ? [2] : [2, 4])
        Self.check(model, scale: 2)
    }

    @Test func choleskyTriangularSolveAndAddDiagonalGradients() throws {
        // A = B·Bᵀ + diag(d) is positive definite; L = chol(A); output L⁻¹·C and L itself.
        let model = try Self.contract("cholesky", { m in
            let b = m.parameter("B", [3, 3])
            let d = m.parameter("d", [3], constraint: .lower(0.5))
            let c = m.parameter("C", [3, 2])
            let l = b.matmul(b.transposed()).addDiagonal(d).cholesky()
            return l.solveLower(c) + l.matmul(c)
        }, outputShape: [3, 2])
        Self.check(model)
    }

    @Test func expQuadCovGradients() throws {
        let model = try Self.contract("expquad", { m in
            let x1 = m.parameter("x1", [4, 2])
            let x2 = m.parameter("x2", [3, 2])
            let alpha = m.parameter("alpha", constraint: .positive)
            let rho = m.parameter("rho", constraint: .positive)
            return Expr.expQuadCov(x1, x2, amplitude: alpha, lengthScale: rho)
                + Expr.expQuadCov(x1, x1, amplitude: alpha, lengthScale: rho).matmul(x1).matmul(x2.transposed())
        }, outputShape: [4, 3])
        Self.check(model)
    }

    @Test func indexGradientsScatterRepeatedRows() throws {
        let model = try Self.contract("index", { m in
            m.parameter("x", [4, 2])[m.data("idx", [5], integer: true)]
        }, outputShape: [5, 2], extraData: ["idx": .integers([1, 3, 3, 2, 4])])
        Self.check(model)
    }

    /// An index array of two dimensions gathers a vector's elements into a matrix (a variable
    /// filled element by element): each element where its index says, repeated elements'
    /// adjoints summed.
    @Test func indexByAMatrixGathersElements() throws {
        let model = try Self.contract("index2", { m in
            m.parameter("x", [4])[m.data("idx", [2, 3], integer: true)]
        }, outputShape: [2, 3], extraData: ["idx": DataArray(shape: [2, 3], values: [4, 1, 1, 2, 3, 1], isInteger: true)])
        Self.check(model)
        let u: [Double] = [0.5, -1, 2, 3]
        let w = try #require(model.model.data["weights"]).values
        let expected = zip(w, [3, 0.5, 0.5, -1, 2, 0.5]).map { $0 * $1 }.reduce(0, +)
        #expect(abs(model.logDensity(u) - expected) < 1e-12)
    }

    /// Both parts' adjoints, vectors and matrices, the second part data-only in one case.
    @Test func concatGradientsSplitBetweenTheParts() throws {
        let vectors = try Self.contract("concat", { m in
            m.parameter("a", [2]).concatenated(m.parameter("b", [3]).exp())
        }, outputShape: [5])
        Self.check(vectors)
        let matrices = try Self.contract("concat2", { m in
            m.parameter("a", [1, 3]).concatenated(m.data("c", [2, 3]) * m.parameter("s"))
        }, outputShape: [3, 3], extraData: ["c": DataArray(shape: [2, 3], values: [1, -2, 0.5, 3, 0.25, -1])])
        Self.check(matrices)
    }

    /// Every elementwise family with its outcome and parameters all parameters (constrained to
    /// their supports), through broadcasting; discrete families with integer data outcomes.
    @Test(arguments: Distribution.allCases)
    func distributionGradients(_ d: Distribution) throws {
        var extra: [String: DataArray] = [:]
        let graph = try ModelBuilder.build("dist-\(d.rawValue)") { m in
            let positive = Constraint.lower(0.3)
            switch d {
            case .categoricalLogit:
                extra["y"] = .integers([2, 1, 3])
                m.sample(m.data("y", [3], integer: true), .categoricalLogit(m.parameter("logits", [3, 3])))
                extra["z"] = .integers([3, 3])
                m.sample(m.data("z", [2], integer: true), .categoricalLogit(m.parameter("shared", [3])))
            case .multiNormalCholesky:
                let b = m.parameter("B", [3, 3])
                let l = b.matmul(b.transposed()).addDiagonal(1.0).cholesky()
                m.sample(m.parameter("y", [2, 3]), .multiNormalCholesky(m.parameter("mu", [3]), l))
            case .bernoulliLogit:
                extra["y"] = .integers([0, 1, 1])
                m.sample(m.data("y", [3], integer: true), .bernoulliLogit(m.parameter("a", [3])))
            case .binomialLogit:
                extra["y"] = .integers([0, 4, 7])
                extra["n"] = .integers([3, 9, 7])
                m.sample(m.data("y", [3], integer: true), .binomialLogit(trials: m.data("n", [3], integer: true), m.parameter("a", [3])))
            case .poissonLog:
                extra["y"] = .integers([0, 4, 7])
                m.sample(m.data("y", [3], integer: true), .poissonLog(m.parameter("a", [3])))
            case .beta:
                m.sample(m.parameter("y", [3], constraint: .bounded(0, 1)), .beta(m.parameter("a", constraint: positive), m.parameter("b", [3], constraint: positive)))
            case .uniform:
                let lo = m.parameter("lo", constraint: .upper(-2))
                let hi = m.parameter("hi", constraint: .lower(2))
                m.sample(m.parameter("y", [3], constraint: .bounded(-2, 2)), .uniform(lo, hi))
            case .flat:
                m.sample(m.parameter("y", [3]), .flat)
                m.sample(m.parameter("y", [3]), .normal(0, 1))
            default:
                let needsPositive: Set<Distribution> = [.halfNormal, .halfCauchy, .exponential, .gamma, .inverseGamma, .logNormal]
                let y = m.parameter("y", [3], constraint: needsPositive.contains(d) ? positive : .none)
                let params: [Expr] = d.parameterNames.enumerated().map { j, name in
                    let isScale = name != "mu"
                    return m.parameter(name, j == 0 ? [3] : [], constraint: isScale ? positive : .none)
                }
                m.sample(y, DistributionCall(d, params))
            }
        }
        let model = try ReferenceModel(graph: graph, data: DataSet(extra))
        Self.check(model, seed: 3)
    }

    @Test func batchedEvaluationMatchesOnePointAndHonoursTheMask() throws {
        let model = try Self.contract("batch", { m in m.parameter("x", [3]).tanh() }, outputShape: [3])
        var rng = TestRandom(seed: 11)
        let points = (0..<5).map { _ in rng.vector(3) }
        let out = model.evaluate(ChainBatch(vectors: points), active: [true, false, true, true, false])
        for (k, p) in points.enumerated() {
            let (lp, g) = model.logDensityAndGradient(p)
            if [1, 4].contains(k) {
                #expect(out.logDensity[k].isNaN, "masked chain \(k) was evaluated")
            } else {
                #expect(out.logDensity[k] == lp)
                #expect(out.gradient.vector(chain: k) == g)
            }
        }
    }

    @Test func nonFiniteLogDensityIsMinusInfinityNotATrap() throws {
        // A non-positive-definite matrix makes cholesky NaN: the point is rejected, not a crash.
        let graph = try ModelBuilder.build("npd") { m in
            let a = m.parameter("a")
            let mat = m.data("M", [2, 2]) * a
            m.target(mat.cholesky().sum())
        }
        let model = try ReferenceModel(graph: graph, data: DataSet(["M": .matrix(rows: [[1, 2], [2, 1]])]))
        #expect(model.logDensity([0.3]) == -.infinity)
    }
}
