import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogModels
import LeapfrogReference
import Testing
@testable import LeapfrogOpenCL

/// Synthetic data for models whose data come from CSV files.
func regressionData(rows: Int, features: Int, integer: Bool, seed: UInt64) -> DataSet {
    var rng = TestRNG(seed: seed)
    let x = (0..<rows).map { _ in (0..<features).map { _ in rng.uniform(-2, 2) } }
    let y: DataArray = integer ? .integers((0..<rows).map { _ in rng.int(0...1) })
                               : .vector((0..<rows).map { _ in rng.uniform(-3, 3) })
    return DataSet(["X": .matrix(rows: x), "y": y], source: "synthetic")
}

/// Models the generator supports, bound to their data.
func codegenModels() throws -> [(String, BoundModel)] {
    var models: [(String, BoundModel)] = []
    let bnn = try BuiltinModels.bnn.instantiate()
    models.append(("bnn", try BoundModel(graph: bnn.graph, data: bnn.data)))
    let relu = try BuiltinModels.bnn.instantiate(options: ModelOptions(["activation": "relu", "biases": "true"]))
    models.append(("bnn relu+biases", try BoundModel(graph: relu.graph, data: relu.data)))
    for name in ["eight-schools", "eight-schools-centered"] {
        let m = try BuiltinModels.named(name).instantiate()
        models.append((name, try BoundModel(graph: m.graph, data: m.data)))
    }
    models.append(("linear-regression", try BoundModel(graph: ClassicModels.linearRegression(),
                                                       data: regressionData(rows: 37, features: 4, integer: false, seed: 1))))
    models.append(("logistic-regression", try BoundModel(graph: ClassicModels.logisticRegression(),
                                                         data: regressionData(rows: 53, features: 3, integer: true, seed: 2))))
    models.append(("bnn-classifier", try BoundModel(graph: NeuralNetworks.classifier(classes: 2, widths: [4]),
                                                    data: regressionData(rows: 29, features: 3, integer: true, seed: 3))))
    let gaussian = try BuiltinModels.gaussian.instantiate(options: ModelOptions(["dim": "6"]))
    models.append(("gaussian", try BoundModel(graph: gaussian.graph, data: gaussian.data)))
    let correlated = try BuiltinModels.gaussian.instantiate(options: ModelOptions(["dim": "6", "kind": "correlated"]))
    models.append(("gaussian correlated", try BoundModel(graph: correlated.graph, data: correlated.data)))
    var classes = regressionData(rows: 31, features: 3, integer: true, seed: 5)
    var rng = TestRNG(seed: 6)
    classes["y"] = .integers((0..<31).map { _ in rng.int(1...3) })
    classes["K"] = .integer(3)
    models.append(("bnn-classifier K=3", try BoundModel(graph: NeuralNetworks.classifier(classes: 3, widths: [4]), data: classes)))
    models.append(("kitchen sink", try kitchenSink()))
    let gp = try BuiltinModels.gpRegression.instantiate()
    models.append(("gp-regression", try BoundModel(graph: gp.graph, data: gp.data)))
    return models
}

/// A model touching every operation and family the generator supports.
func kitchenSink() throws -> BoundModel {
    let graph = try ModelBuilder.build("kitchen-sink") { m in
        let x = m.data("X", ["N", "D"]), group = m.data("group", ["N"], integer: true)
        let counts = m.data("counts", ["N"], integer: true), trials = m.data("trials", ["N"], integer: true)
        let successes = m.data("successes", ["N"], integer: true), ycat = m.data("ycat", ["N"], integer: true)
        let yreal = m.data("yreal", ["N"]), z = m.data("z", ["J"]), lmat = m.data("Lmat", ["D", "D"])
        let xs = m.data("xs", ["J", 2])
        let mu = m.parameter("mu"), tau = m.parameter("tau", constraint: .positive)
        let alpha = m.parameter("alpha", ["J"]), beta = m.parameter("beta", ["D"])
        let sigma = m.parameter("sigma", constraint: .positive), nu = m.parameter("nu", constraint: .lower(1))
        let p = m.parameter("p", constraint: .bounded(0, 1)), w = m.parameter("W", ["D", "K"])
        let lam = m.parameter("lam", constraint: .positive), logits0 = m.parameter("logits0", ["K"])
        let s2 = m.parameter("s2", constraint: .positive), neg = m.parameter("neg", constraint: .upper(0))
        m.sample(mu, .normal(0, 5))
        m.sample(tau, .halfCauchy(2))
        m.sample(alpha, .normal(mu, tau))
        m.sample(beta, .studentT(nu, 0, 2))
        m.sample(nu, .gamma(2, 0.1))
        m.sample(sigma, .exponential(1))
        m.sample(p, .beta(2, 3))
        m.sample(p, .uniform(0, 1))
        m.sample(w, .cauchy(0, 1))
        m.sample(lam, .logNormal(0, 1))
        m.sample(logits0, .normal(0, 1))
        m.sample(s2, .inverseGamma(3, 2))
        m.sample(-neg, .halfNormal(1))
        m.sample(z, .normal(alpha, sigma))
        m.sample(beta, .multiNormalCholesky(mu, lmat * tau))
        m.sample(w.transposed(), .multiNormalCholesky(0, lmat * sigma))
        let kmat = Expr.expQuadCov(xs, xs, amplitude: sigma, lengthScale: lam).addDiagonal(tau + 0.5)
        // The factor is read beside the normal (Murray's rule through L̄; gp-regression's is not:
        // its adjoint goes straight to K, `BoundModel.covarianceOnlyCholeskyFactors`).
        let kfactor = kmat.cholesky()
        m.sample(z, .multiNormalCholesky(alpha, kfactor))
        m.target(-0.01 * kfactor.square().sum())
        m.target(-0.1 * (lmat * tau).solveLower(beta).square().sum())
        let a = alpha.apply(.index, group)
        let xb = x.matmul(beta)
        m.sample(yreal, .studentT(nu, a + xb, sigma), plate: "N")
        m.sample(counts, .poissonLog(xb * 0.1 + lam.log()), plate: "N")
        m.sample(successes, .binomialLogit(trials: trials, a - p), plate: "N")
        m.sample(ycat, .categoricalLogit(x.matmul(w).tanh() / s2.sqrt()), plate: "N")
        // A value per row as a column against a vector ([N, 1] · [D] → [N, D]), streamed by rows.
        m.sample(x, .normal((a - p).column() * beta.tanh(), sigma + 1), plate: "N")
        m.target(logits0.logSumExp() - 0.1 * logits0.logSoftmax().sum() + (logits0.softmax() * lam.pow(0.5)).sum())
        m.target(-0.01 * w.transposed().square().sum() + (beta.exp().log1p() - beta.expm1().negateExpr()).mean())
        m.target((beta.invLogit() + beta.logInvLogit() + beta.log1pExp() + beta.relu() - beta.square().log1p()).sum() * 0.01)
        m.target(0.01 * ((tau + lam).lgamma() - beta.exp().lgamma().sum()))
        // Joined along the first axis (vectors, and matrices of one column count: K = D = 3).
        m.target(-0.1 * alpha.concatenated(beta.tanh() * sigma).square().sum())
        m.target(-0.01 * w.concatenated(lmat * tau).square().sum())
        m.target(-0.1 * (alpha.column() * beta).square().sum())
    }
    var rng = TestRNG(seed: 8)
    let (n, d, j, k) = (23, 3, 4, 3)
    let x = (0..<n).map { _ in (0..<d).map { _ in rng.uniform(-1, 1) } }
    let trials = (0..<n).map { _ in rng.int(0...9) }
    let data = DataSet([
        "X": .matrix(rows: x), "group": .integers((0..<n).map { _ in rng.int(1...j) }),
        "counts": .integers((0..<n).map { _ in rng.int(0...6) }), "trials": .integers(trials),
        "successes": .integers(trials.map { rng.int(0...$0) }), "ycat": .integers((0..<n).map { _ in rng.int(1...k) }),
        "yreal": .vector((0..<n).map { _ in rng.uniform(-2, 2) }), "z": .vector((0..<j).map { _ in rng.uniform(-1, 1) }),
        "J": .integer(j), "K": .integer(k),
        "xs": .matrix(rows: (0..<j).map { _ in [rng.uniform(-1, 1), rng.uniform(-1, 1)] }),
        "Lmat": .matrix(rows: (0..<d).map { r in (0..<d).map { c in c < r ? rng.uniform(-0.5, 0.5) : (c == r ? rng.uniform(0.5, 2) : 0) } }),
    ], source: "synthetic")
    return try BoundModel(graph: graph, data: data)
}

extension Expr {
    func negateExpr() -> Expr { apply(.negate) }
}

extension OpenCLTests {
    @Suite struct Codegen {
        @Test func bnnKernelStreamsOverRows() throws {
            let bnn = try BuiltinModels.bnn.instantiate()
            let model = try BoundModel(graph: bnn.graph, data: bnn.data)
            let kernel = try OpenCLCodegen.generate(model)
            let rows = model.extents["N"]!
            #expect(kernel.source.contains("for (int row = 0; row < \(rows); ++row)"))
            #expect(kernel.source.contains("lf_normal_lpdf") && kernel.source.contains("lf_gamma_lpdf"))
            #expect(kernel.source.contains("lf_tanh_grad"))
            #expect(kernel.dataArguments == ["X", "y"])           // X_grid feeds only a derived quantity
            #expect(kernel.dimension == model.dimension)
        }

        @Test func smallLoopsAreUnrolledButNotTheRowLoop() throws {
            let bnn = try BuiltinModels.bnn.instantiate()
            let source = try OpenCLCodegen.generate(try BoundModel(graph: bnn.graph, data: bnn.data)).source
            #expect(source.contains("_Pragma(\"unroll\") for (int l = 0; l < 5; ++l)"))
            #expect(!source.contains("_Pragma(\"unroll\") for (int row"))
            // A GP's 25 × 25 covariance loops stay loops (the unrolled nest would be 625 bodies),
            // and so do the loops around its Cholesky's and solves' inner products: unrolled,
            // their inner loops got constant bounds and the compiler unrolled those too.
            let gp = try BuiltinModels.named("gp-regression").instantiate()
            let gpSource = try OpenCLCodegen.generate(try BoundModel(graph: gp.graph, data: gp.data)).source
            #expect(gpSource.contains("for (int r = 0; r < 25; ++r) for (int q = 0; q < 25; ++q)"))
            #expect(!gpSource.contains("_Pragma(\"unroll\") for (int r = 0; r < 25"))
            #expect(gpSource.contains("    for (int j = 0; j < 25; ++j) {\n"))        // the Cholesky's columns
            #expect(!gpSource.contains("_Pragma(\"unroll\") for (int j = 0; j < 25; ++j) {"))
        }

        /// gp-regression's n×n arrays: the Cholesky factor has no adjoint (its normal's goes to K,
        /// `BoundModel.covarianceOnlyCholeskyFactors`), and the kernel matrix's adjoint is its
        /// add_diagonal's array (`Generator.aliasedAdjoints`); generatedKernelsMatchTheReference
        /// checks the numbers.
        @Test func gpKernelKeepsFewMatrices() throws {
            let gp = try BuiltinModels.named("gp-regression").instantiate()
            let model = try BoundModel(graph: gp.graph, data: gp.data)
            let source = try OpenCLCodegen.generate(model).source
            let nodes = model.graph.nodes
            let factor = nodes.firstIndex { $0.op == .cholesky }!, kernel = nodes.firstIndex { $0.op == .expQuadCov }!
            let noisy = nodes.firstIndex { $0.op == .addDiagonal }!
            #expect(!source.contains("realw g\(factor)["))
            #expect(source.contains("realw* g\(kernel) = g\(noisy);"))
            #expect(!source.contains("realw g\(kernel)["))
            // K, K + σ²I, L, the adjoint of both K's and L⁻¹ (nine arrays before).
            #expect(source.components(separatedBy: "[625]").count - 1 == 5)
        }

        @Test func workGroupShapeSpreadsRowsAndReducesInLocalMemory() throws {
            let bnn = try BuiltinModels.bnn.instantiate()
            let model = try BoundModel(graph: bnn.graph, data: bnn.data)
            let kernel = try OpenCLCodegen.generate(model, shape: .workGroupPerChain(localSize: 16, reductionColumns: 10))
            #expect(kernel.shape == .workGroupPerChain(localSize: 16, reductionColumns: 10))
            #expect(kernel.source.contains("for (int row = lid; row < 100; row += 16)"))
            #expect(kernel.source.contains("__local real lf_scratch[160];"))
            #expect(kernel.source.contains("if (lid == 0)"))                  // priors counted once
            #expect(kernel.source.contains("barrier(CLK_LOCAL_MEM_FENCE);"))
            #expect(!kernel.source.contains("return;"))                      // every work-item reaches the barriers
        }

        /// Rows in lanes: the row loop walks blocks of W rows, reads row data from the row-blocked
        /// layout, masks the last block's empty lanes at the terms and adds the lanes after the
        /// loop; the data are laid out by `deviceValues`. A row loop that reads anything but its
        /// own rows' data is refused with the reason.
        @Test func rowsInLanesReadsBlocksOfRowsAndSumsTheLanes() throws {
            let bnn = try BuiltinModels.bnn.instantiate()
            let model = try BoundModel(graph: bnn.graph, data: bnn.data)
            let kernel = try OpenCLCodegen.generate(model, shape: .rowsInLanes)
            #expect(kernel.defines == ["LF_ROW_LANES": "1"])
            #expect(kernel.source.contains("for (int row = 0; row < (100 + W - 1) / W; ++row)"))
            #expect(kernel.source.contains("LOADR(d_X + (row * 3 + l) * W)"))
            #expect(kernel.source.contains("const maskw lf_row_on = LF_ROW_VALID(row, 100);"))
            #expect(kernel.source.contains("lp += LF_ROW_KEEP(lf_normal_lpdf("))
            #expect(kernel.source.contains("lp = LF_LANE0(lp);") && kernel.source.contains("lp = SPLAT(LF_HSUM(lp));"))
            #expect(kernel.source.contains("gx[j] = SPLAT(LF_HSUM(gx[j]));"))
            #expect(kernel.rowData == ["X": 3, "y": 1] && kernel.plateRows == 100)
            // Row r's element k at ((r / W)·slice + k)·W + r % W; the last block repeats the last row.
            let x = (0..<(3 * 100)).map(Double.init)
            let blocked = kernel.deviceValues("X", x, width: 8)
            #expect(blocked.count == 13 * 3 * 8)
            #expect(blocked[(0 * 3 + 2) * 8 + 5] == x[5 * 3 + 2])
            #expect(blocked[(12 * 3 + 1) * 8 + 3] == x[99 * 3 + 1])
            #expect(blocked[(12 * 3 + 1) * 8 + 7] == x[99 * 3 + 1])
            let chainShaped = try OpenCLCodegen.generate(model)
            #expect(chainShaped.rowData.isEmpty && chainShaped.deviceValues("X", x, width: 8) == x)

            let schools = try BuiltinModels.named("eight-schools").instantiate()
            #expect(throws: RowLanesUnsupported.self) {
                try OpenCLCodegen.generate(try BoundModel(graph: schools.graph, data: schools.data), shape: .rowsInLanes)
            }
            let gaussian = try BuiltinModels.gaussian.instantiate(options: ModelOptions(["dim": "3"]))
            #expect(throws: RowLanesUnsupported.self) {
                try OpenCLCodegen.generate(try BoundModel(graph: gaussian.graph, data: gaussian.data), shape: .rowsInLanes)
            }
        }

        @Test func launchShapeChoiceFollowsChainsRowsAndDevice() throws {
            let env = CLTest.env
            let bnn = try BuiltinModels.bnn.instantiate()
            let model = try BoundModel(graph: bnn.graph, data: bnn.data)
            let auto = try OpenCLLogDensity<Float>(model, queue: env.queue, cache: CLTest.cache)
            // PoCL is a CPU device: auto never takes a work-group per chain (PoCL runs work-group
            // kernels as scalar code); a chain fills the lanes with rows (the BNN's 100 rows, f32
            // widths 8 or 16), many chains fill them with chains.
            #expect(auto.shape(forChains: 1) == .rowsInLanes)
            #expect(auto.shape(forChains: 4096) == .chainPerWorkItem)
            let schools = try BuiltinModels.named("eight-schools").instantiate()
            let perRow = try OpenCLLogDensity<Float>(try BoundModel(graph: schools.graph, data: schools.data), queue: env.queue,
                                                     cache: CLTest.cache)
            #expect(perRow.shape(forChains: 1) == .chainPerWorkItem)   // a parameter per row: not in lanes
            // Built for a batch of one, the density compiles only the rows-in-lanes program.
            let few = try OpenCLLogDensity<Float>(model, queue: env.queue, cache: CLTest.cache)
            try few.build(forChains: 1)
            #expect(!few.isBuilt)
            try few.build(forChains: 4096)
            #expect(few.isBuilt)
            let forced = try OpenCLLogDensity<Float>(model, queue: env.queue, launch: .workGroupPerChain, cache: CLTest.cache)
            guard case .workGroupPerChain(let local, let columns) = forced.shape(forChains: 4096) else {
                Issue.record("a forced work-group shape was not used"); return
            }
            #expect(local >= 1 && columns >= 1 && columns <= model.dimension + 1)
            #expect(forced.plateRows == 100)
        }

        @Test func unrollAnnotationCountsTripsAndRespectsTheLimit() {
            #expect(OpenCLCodegen.tripCount("for (int k = 0; k < 5; ++k) x;") == 5)
            #expect(OpenCLCodegen.tripCount("for (int j = 2; j <= 4; ++j)") == 3)
            #expect(OpenCLCodegen.tripCount("for (int i = 24; i >= 0; --i)") == 25)
            #expect(OpenCLCodegen.tripCount("for (int row = 0; row < 100; ++row)") == nil)
            #expect(OpenCLCodegen.tripCount("for (int j = 0; j <= i; ++j)") == nil)
            let nest = OpenCLCodegen.annotate("for (int i = 0; i < 8; ++i) for (int j = 0; j < 8; ++j)", enclosing: 1)
            #expect(nest.factor == 64 && nest.line.components(separatedBy: "_Pragma").count == 3)
            let inner = OpenCLCodegen.annotate("for (int k = 0; k < 3; ++k) s += 1;", enclosing: 32)
            #expect(inner.factor == 1 && !inner.line.contains("_Pragma"))
            // A loop around one that stays a loop stays a loop: too many trips, or a bound that
            // is not a literal (a triangular loop).
            let square = OpenCLCodegen.annotate("for (int r = 0; r < 25; ++r) for (int q = 0; q < 25; ++q) s += 1;", enclosing: 1)
            #expect(square.factor == 1 && !square.line.contains("_Pragma"), "\(square.line)")
            let triangle = OpenCLCodegen.annotate("for (int i = 0; i < 4; ++i) for (int j = 0; j <= i; ++j) s += 1;", enclosing: 1)
            #expect(triangle.factor == 1 && !triangle.line.contains("_Pragma"), "\(triangle.line)")
            // Within the limit the inner loop keeps its pragma when the outer one cannot have it.
            let outerTooLong = OpenCLCodegen.annotate("for (int i = 0; i < 100; ++i) for (int j = 0; j < 4; ++j) s += 1;", enclosing: 1)
            #expect(outerTooLong.factor == 4 && outerTooLong.line == "for (int i = 0; i < 100; ++i) _Pragma(\"unroll\") for (int j = 0; j < 4; ++j) s += 1;")
        }

        /// Terms over two plates (two loops over data of different lengths, the censored-survival
        /// layout): the plate with more rows is streamed, the other's terms are evaluated whole, and
        /// both launch shapes give the CPU reference's log density and gradient.
        @Test func twoPlatesStreamTheLongerAndEvaluateTheOtherWhole() throws {
            let graph = try ModelBuilder.build("two-plates") { m in
                let y = m.data("y", ["N"]), z = m.data("z", ["M"])
                let mu = m.parameter("mu"), tau = m.parameter("tau")
                m.sample(y, .normal(mu, tau.exp()), plate: "N")
                m.sample(z, .normal(mu * 2, 1), plate: "M")
            }
            let data = DataSet(["y": .vector([1, 2]), "z": .vector([3, 4, 5])], source: "synthetic")
            let model = try BoundModel(graph: graph, data: data)
            let plan = try EvaluationPlan(model)
            #expect(plan.plate?.rows == 3 && plan.plateTerms == [graph.terms[1].node])
            let reference = ReferenceModel(model)
            var rng = TestRNG(seed: 12)
            let positions = ChainBatch(chains: 6, dimension: 2, values: (0..<12).map { _ in rng.uniform(-1, 1) })
            let expected = try reference.evaluate(positions)
            for launch in LaunchChoice.allCases {
                let device = try OpenCLLogDensity<Double>(model, queue: CLTest.env.queue, width: 2, launch: launch, cache: CLTest.cache)
                let actual = try device.evaluate(positions)
                expectClose(actual.logDensity, expected.logDensity, tolerance: 1e-10, "log density, \(launch)")
                expectClose(actual.gradient.values, expected.gradient.values, tolerance: 1e-10, "gradient, \(launch)")
            }
        }

        /// A plate whose rows something else reads whole (here `sum(y)`, a term outside the plate)
        /// cannot stream: the plan refuses it, and the kernel evaluates every term whole, as the
        /// CPU reference does, instead of refusing the model (posteriordb's dogs: a recurrence over
        /// the plate's rows).
        @Test func aPlateThatCannotStreamIsEvaluatedWhole() throws {
            let graph = try ModelBuilder.build("plate-read-whole") { m in
                let y = m.data("y", ["N"])
                let mu = m.parameter("mu"), tau = m.parameter("tau")
                m.sample(y, .normal(mu, tau.exp()), plate: "N")
                m.target(y.sum() * mu * 0.1)
            }
            let model = try BoundModel(graph: graph, data: DataSet(["y": .vector([1, 2.5, -0.5])], source: "synthetic"))
            #expect(throws: EvaluationPlan.Unsupported.self) { try EvaluationPlan(model) }
            #expect(try EvaluationPlan(model, streaming: false).plate == nil && EvaluationPlan.streamedRows(model) == 0)
            let reference = ReferenceModel(model)
            var rng = TestRNG(seed: 13)
            let positions = ChainBatch(chains: 5, dimension: 2, values: (0..<10).map { _ in rng.uniform(-1, 1) })
            let expected = try reference.evaluate(positions)
            for launch in [LaunchChoice.chainPerWorkItem, .workGroupPerChain, .auto] {
                let device = try OpenCLLogDensity<Double>(model, queue: CLTest.env.queue, width: 2, launch: launch, cache: CLTest.cache)
                let actual = try device.evaluate(positions)
                expectClose(actual.logDensity, expected.logDensity, tolerance: 1e-10, "log density, \(launch)")
                expectClose(actual.gradient.values, expected.gradient.values, tolerance: 1e-10, "gradient, \(launch)")
            }
        }

        @Test func oneInstanceServesBatchesOfChangingSize() throws {
            let env = CLTest.env
            let m = try BuiltinModels.named("eight-schools").instantiate()
            let model = try BoundModel(graph: m.graph, data: m.data)
            let reference = ReferenceModel(model)
            let device = try OpenCLLogDensity<Double>(model, queue: env.queue, width: 4, localSize: 16, cache: CLTest.cache)
            var rng = TestRNG(seed: 4)
            for chains in [5, 5, 9, 1, 5] {
                let positions = ChainBatch(chains: chains, dimension: model.dimension,
                                           values: (0..<(chains * model.dimension)).map { _ in rng.uniform(-1, 1) })
                let expected = try reference.evaluate(positions)
                let actual = try device.evaluate(positions)
                expectClose(actual.logDensity, expected.logDensity, tolerance: 1e-10, "log density, \(chains) chains")
                expectClose(actual.gradient.values, expected.gradient.values, tolerance: 1e-10, "gradient, \(chains) chains")
            }
        }

        /// The programs each model is checked with: f64 at 1 and 4 chains per work-item, f32 at 8,
        /// and the work-group shape in both precisions. A work-group density also builds the
        /// work-item kernel of its `width`: these widths reuse the work-item programs above.
        static let configurations: [(Precision, Int, LaunchChoice)] = [
            (.double, 1, .chainPerWorkItem), (.double, 4, .chainPerWorkItem), (.float, 8, .chainPerWorkItem),
            (.double, 1, .workGroupPerChain), (.float, 8, .workGroupPerChain),
            (.double, 4, .rowsInLanes), (.float, 8, .rowsInLanes),
        ]

        /// The models whose row loop reads only its own rows' data: they must run in lanes (the
        /// others may refuse, with `RowLanesUnsupported`).
        static let rowsInLanesModels: Set<String> = ["bnn", "bnn relu+biases", "linear-regression", "logistic-regression"]

        /// One chain, 7 (a part-filled work-item at W = 8 and W = 4) and 100 (several work-groups,
        /// the last part-filled). The work-group shape runs 1 and 7: 100 chains × a group of
        /// work-items each is slow on a 2-core PoCL and adds nothing.
        static let chainCounts = [1, 7, 100]

        /// Each (model, precision, width, shape) program is built once and checked at every chain
        /// count. gp-regression has no plate, so `auto` never gives it the work-group shape, and its
        /// generated work-group source is the same text in f32 and f64: it is checked in f32 only
        /// there (PoCL takes minutes to compile its 25 × 25 loops inside a group of 32 work-items).
        @Test(arguments: try codegenModels().map(\.0))
        func generatedKernelsMatchTheReference(model name: String) throws {
            let env = CLTest.env
            let model = try #require(try codegenModels().first { $0.0 == name }?.1)
            let reference = ReferenceModel(model)
            let cases = try Self.chainCounts.map { chains in
                var rng = TestRNG(seed: UInt64(chains) &* 977 &+ UInt64(model.dimension))
                let positions = ChainBatch(chains: chains, dimension: model.dimension,
                                           values: (0..<(chains * model.dimension)).map { _ in rng.uniform(-1.5, 1.5) })
                return (positions, try reference.evaluate(positions))
            }
            for (precision, width, launch) in Self.configurations {
                if name == "gp-regression" && launch == .workGroupPerChain && precision == .double { continue }
                let device: any BatchedLogDensity = precision == .double
                    ? try OpenCLLogDensity<Double>(model, queue: env.queue, width: width, localSize: 16, launch: launch, cache: CLTest.cache)
                    : try OpenCLLogDensity<Float>(model, queue: env.queue, width: width, localSize: 16, launch: launch, cache: CLTest.cache)
                for (positions, expected) in cases where launch != .workGroupPerChain || positions.chains <= 7 {
                    let actual: DensityBatch
                    do {
                        actual = try device.evaluate(positions)
                    } catch let refused as RowLanesUnsupported where launch == .rowsInLanes {
                        #expect(!Self.rowsInLanesModels.contains(name), "\(name) refused rows in lanes: \(refused)")
                        #expect(refused.description.contains("--launch chain"))
                        break
                    }
                    let tol = precision == .double ? 1e-10 : 2e-4
                    let label = "\(name) \(precision) W=\(width) \(launch) chains=\(positions.chains)"
                    expectClose(actual.logDensity, expected.logDensity, tolerance: tol, "log density \(label)")
                    let scale = max(1, expected.gradient.values.map(abs).max() ?? 1)
                    expectClose(actual.gradient.values, expected.gradient.values, tolerance: tol, floor: scale,
                                "gradient \(label)")
                }
            }
        }
    }
}
