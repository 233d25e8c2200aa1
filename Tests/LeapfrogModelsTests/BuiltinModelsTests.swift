import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogModels

struct BuiltinModelsTests {
    static let fixture = ModelFixtures.shared

    static func reference(_ model: BuiltinModel, _ options: [String: String] = [:], data: DataSource = .bundled) throws -> ReferenceModel {
        let inst = try model.instantiate(options: ModelOptions(options), data: data)
        return try ReferenceModel(graph: inst.graph, data: inst.data)
    }

    /// The flagship against an independent numpy implementation with hand-derived backprop
    /// (scripts/make_model_fixtures.py): log density and gradient at three random points.
    @Test func bnnMatchesIndependentImplementation() throws {
        let model = try Self.reference(BuiltinModels.bnn)
        #expect(model.dimension == 46)
        #expect(model.model.layout.elementNames.prefix(2) == ["W1[1,1]", "W1[1,2]"])
        #expect(model.model.layout.elementNames.last == "prec")
        for p in Self.fixture.bnn {
            let (lp, g) = model.logDensityAndGradient(p.u)
            #expect(abs(lp - p.lp) < 1e-9 * abs(p.lp), "lp \(lp) vs numpy \(p.lp)")
            let worst = zip(g, p.gradient!).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            #expect(worst < 1e-9, "gradient differs by \(worst)")
        }
    }

    @Test func gpMatchesSciPyMultivariateNormal() throws {
        let model = try Self.reference(BuiltinModels.gpRegression)
        for p in Self.fixture.gp {
            let lp = model.logDensity(p.u)
            #expect(abs(lp - p.lp) < 1e-8 * max(1, abs(p.lp)), "lp \(lp) vs scipy \(p.lp)")
        }
    }

    @Test func eightSchoolsMatchesClosedForm() throws {
        let model = try Self.reference(BuiltinModels.eightSchools)
        let y: [Double] = [28, 8, -3, 7, -1, 1, 18, 12], sigma: [Double] = [15, 10, 16, 11, 9, 11, 10, 18]
        var rng = TestRandom(seed: 5)
        let u = rng.vector(10, -2, 2)
        let (mu, tau, tt) = (u[0], exp(u[1]), Array(u[2...]))
        func normal(_ x: Double, _ m: Double, _ s: Double) -> Double { -0.5 * pow((x - m) / s, 2) - log(s) - 0.5 * log(2 * .pi) }
        var expected = normal(mu, 0, 5) + (log(2) - log(.pi) - log(5) - log1p(pow(tau / 5, 2))) + u[1]
        for j in 0..<8 { expected += normal(tt[j], 0, 1) + normal(y[j], mu + tau * tt[j], sigma[j]) }
        #expect(abs(model.logDensity(u) - expected) < 1e-10 * abs(expected))
        // Derived theta = mu + tau·theta_tilde.
        let theta = model.derivedValues(u)
        #expect(theta.count == 8 && abs(theta[3] - (mu + tau * tt[3])) < 1e-12)
    }

    @Test(arguments: GaussianTarget.Kind.allCases)
    func gaussianLogDensityAtTheMeanIsTheNormaliser(_ kind: GaussianTarget.Kind) throws {
        let target = GaussianTarget(dimension: 6, kind: kind)
        let model = try Self.reference(BuiltinModels.gaussian, ["dim": "6", "kind": kind.rawValue])
        // log N(μ | μ, Σ) = −½ log det(2πΣ); det Σ from the covariance via its Cholesky factor.
        let l = LinearAlgebraForTests.cholesky(target.covariance, 6)
        let logDet = (0..<6).reduce(0.0) { $0 + 2 * log(l[$1 * 6 + $1]) }
        let expected = -0.5 * (6 * log(2 * .pi) + logDet)
        #expect(abs(model.logDensity(target.mean) - expected) < 1e-10)
    }

    /// Every built-in's gradient against finite differences at random points.
    @Test(arguments: ["bnn", "eight-schools", "eight-schools-centered", "gp-regression", "gaussian"])
    func builtinGradientsMatchFiniteDifferences(_ name: String) throws {
        var options: [String: String] = [:]
        if name == "gaussian" { options = ["kind": "correlated", "dim": "5"] }
        let model = try Self.reference(BuiltinModels.named(name), options)
        var rng = TestRandom(seed: 17)
        for _ in 0..<3 {
            let u = rng.vector(model.dimension, -1.5, 1.5)
            let err = GradientCheck.worstRelativeError(model, at: u)
            #expect(err < GradientCheck.tolerance, "\(name): relative error \(err)")
        }
    }

    /// A user's CSV has no prediction grid: the optional `X_grid` is absent, so `mu_grid` is skipped.
    @Test func bnnWithoutItsOptionalGridBindsAndSkipsTheDerivedQuantity() throws {
        let table = try CSVTable.parse("x0,x1,y\n1,0.5,0.2\n1,-0.3,0.1\n1,0.9,-0.4\n", source: "mine.csv")
        let model = try Self.reference(BuiltinModels.bnn, data: .table(table))
        #expect(model.model.derived.isEmpty)
        #expect(model.dimension == 2 * 5 + 25 + 5 + 1)
        #expect(model.logDensity([Double](repeating: 0.1, count: model.dimension)).isFinite)
    }

    /// Edward's BNN tutorial: `noise=0.1` fixes the likelihood's scale (no `prec`), 1→10→10→1 with
    /// biases has 141 weights and biases, and a one-feature table gets a 50-point grid over its
    /// range widened by a quarter each side (data/edward_toy.csv: x in [−1, 1] → grid [−1.5, 1.5]).
    @Test func edwardTutorialNetwork() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../data/edward_toy.csv").path
        let table = try CSVTable.load(path: path)
        #expect(table.rowCount == 40)
        let inst = try BuiltinModels.bnn.instantiate(options: ModelOptions(["widths": "10,10", "biases": "true", "noise": "0.1"]),
                                                     data: .table(table))
        let model = try ReferenceModel(graph: inst.graph, data: inst.data)
        #expect(model.dimension == (10 + 10) + (100 + 10) + (10 + 1))
        #expect(!model.model.layout.entries.contains { $0.name == "prec" })
        let grid = try #require(inst.data["X_grid"])
        #expect(grid.shape == [50, 1] && abs(grid.values[0] + 1.5) < 1e-12 && abs(grid.values[49] - 1.5) < 1e-12)
        var rng = TestRandom(seed: 5)
        let u = rng.vector(model.dimension, -1, 1)
        #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        // The likelihood's scale is 0.1: at all-zero weights f = 0 and log p is the priors' plus Σ log N(yᵢ | 0, 0.1).
        let y = try table.column("y")
        let prior = Double(model.dimension) * -0.5 * log(2 * Double.pi)
        let likelihood = y.reduce(0) { $0 - 0.5 * log(2 * Double.pi) - log(0.1) - 0.5 * ($1 / 0.1) * ($1 / 0.1) }
        #expect(abs(model.logDensity([Double](repeating: 0, count: model.dimension)) - (prior + likelihood)) < 1e-9 * abs(prior + likelihood))
        #expect(throws: LeapfrogError.self) {
            try BuiltinModels.bnn.instantiate(options: ModelOptions(["noise": "0"]), data: .table(table))
        }
    }

    @Test func bnnVariantsGradients() throws {
        for options in [["biases": "true"], ["activation": "relu", "widths": "4,3,2"]] {
            let model = try Self.reference(BuiltinModels.bnn, options)
            var rng = TestRandom(seed: 23)
            let u = rng.vector(model.dimension, -1, 1)
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance, "\(options)")
        }
    }

    /// Real UCI data: binary and 10-class classifiers, linear and logistic regression.
    @Test func realDataModelsGradients() throws {
        let dir = RepositoryData.directory
        let cases: [(BuiltinModel, String, [String: String])] = [
            (BuiltinModels.bnnClassifier, "uci/breast_cancer.csv", ["widths": "3"]),
            (BuiltinModels.bnnClassifier, "uci/digits.csv", ["widths": "2"]),
            (BuiltinModels.linearRegression, "uci/diabetes.csv", ["target": "progression"]),
            (BuiltinModels.logisticRegression, "uci/breast_cancer.csv", [:]),
        ]
        for (model, file, options) in cases {
            let ref = try Self.reference(model, options, data: .file(dir + "/" + file))
            var rng = TestRandom(seed: 29)
            let u = rng.vector(ref.dimension, -0.5, 0.5)
            #expect(GradientCheck.worstRelativeError(ref, at: u) < GradientCheck.tolerance, "\(model.name) on \(file)")
            if file.hasSuffix("digits.csv") {
                #expect(ref.dimension == 64 * 2 + 2 * 10, "digits: 10 classes expected")
            }
        }
    }

    @Test func everyBuiltinGraphRoundTripsThroughJSON() throws {
        // Models with bundled or generated data instantiate on their own.
        for model in BuiltinModels.all {
            guard let inst = try? model.instantiate() else { continue }
            let json = try inst.graph.jsonString()
            let back = try ModelGraph.fromJSON(json)
            #expect(back == inst.graph, "\(model.name) did not round-trip")
            #expect(try back.jsonString() == json)
        }
        // The classifier and regressions need data to instantiate; their graphs round-trip too.
        for graph in [try NeuralNetworks.classifier(classes: 10), try NeuralNetworks.classifier(classes: 2, biases: true),
                      try ClassicModels.linearRegression(), try ClassicModels.logisticRegression()] {
            #expect(try ModelGraph.fromJSON(try graph.jsonString()) == graph)
        }
    }

    static func message(_ body: () throws -> Void) -> String {
        do { try body() } catch let e as LeapfrogError { return e.message } catch { return "\(error)" }
        return "no error"
    }

    /// Binds `model` to `data`, returning the error message (or "no error").
    static func bindingMessage(_ model: BuiltinModel, _ data: DataSource, _ options: [String: String] = [:]) -> String {
        message {
            let inst = try model.instantiate(options: ModelOptions(options), data: data)
            _ = try BoundModel(graph: inst.graph, data: inst.data)
        }
    }

    /// The bundled schools with `sigma[j]` replaced.
    static func schools(sigma value: Double, at j: Int) throws -> DataSource {
        var data = try StanJSON.parse(BundledData.eightSchools, source: "schools.json")
        var sigma = data["sigma"]!
        sigma.values[j - 1] = value
        data["sigma"] = sigma
        return .json(data)
    }

    /// Eight schools' standard errors must be positive, as its Stan twin declares them.
    @Test(arguments: BuiltinModels.all.filter { $0.name.hasPrefix("eight-schools") }.map(\.name))
    func eightSchoolsRefusesAStandardErrorThatIsNotPositive(_ name: String) throws {
        let model = try BuiltinModels.named(name)
        #expect(Self.bindingMessage(model, try Self.schools(sigma: -18, at: 8))
                == "model '\(name)', data file 'schools.json': 'sigma' element 8 is -18.0, below its lower bound 0")
        #expect(Self.bindingMessage(model, try Self.schools(sigma: 0, at: 3))
                == "model '\(name)', data file 'schools.json': 'sigma' element 3 is 0.0, at its exclusive lower bound 0")
        #expect(Self.bindingMessage(model, try Self.schools(sigma: 0.5, at: 3)) == "no error")
    }

    /// Labels outside 0…1 (binary) or 1…K (categorical, as the JSON form stores them) are refused.
    @Test func classifierRefusesALabelOutOfRange() throws {
        let binary = try StanJSON.parse(#"{"X": [[0.1], [0.2], [0.3]], "y": [0, 1, 2]}"#, source: "bin.json")
        #expect(Self.bindingMessage(BuiltinModels.bnnClassifier, .json(binary))
                == "model 'bnn-classifier', data file 'bin.json': 'y' element 3 is 2, above its upper bound 1")
        let three = try StanJSON.parse(#"{"K": 3, "X": [[0.1], [0.2], [0.3]], "y": [1, 4, 2]}"#, source: "k3.json")
        #expect(Self.bindingMessage(BuiltinModels.bnnClassifier, .json(three))
                == "model 'bnn-classifier', data file 'k3.json': 'y' element 2 is 4, above its upper bound K = 3")
        let valid = try StanJSON.parse(#"{"K": 3, "X": [[0.1], [0.2], [0.3]], "y": [1, 3, 2]}"#, source: "k3.json")
        #expect(Self.bindingMessage(BuiltinModels.bnnClassifier, .json(valid)) == "no error")
        let single = try StanJSON.parse(#"{"K": 1, "X": [[0.1], [0.2]], "y": [1, 1]}"#, source: "k1.json")
        #expect(Self.bindingMessage(BuiltinModels.bnnClassifier, .json(single)).hasSuffix("'K' is 1, below its lower bound 2"))
    }

    /// CSV labels must be 0…K−1 with every class present: 1/2 for two classes made a third,
    /// empty class 0 (a categorical model with its weights); a negative label names its line and
    /// column.
    @Test func classifierCSVLabelsStartAtZeroWithoutGaps() throws {
        let shifted = try CSVTable.parse("x,y\n0.1,1\n0.2,2\n0.4,1\n", source: "c.csv")
        #expect(Self.bindingMessage(BuiltinModels.bnnClassifier, .table(shifted))
                == "c.csv: labels must be 0…K−1 with every class present, but no row has label 0 (labels found: 1, 2); recode them (1/2 as 0/1)")
        let negative = try CSVTable.parse("x,y\n0.1,0\n0.2,-1\n", source: "n.csv")
        #expect(Self.bindingMessage(BuiltinModels.bnnClassifier, .table(negative)) == "n.csv:3:2: label -1 is negative; labels must be 0…K−1")
        #expect(Self.bindingMessage(BuiltinModels.bnnClassifier, .table(try CSVTable.parse("x,y\n0.1,0\n0.2,1\n", source: "ok.csv")),
                                    ["widths": "2"]) == "no error")
        #expect(Self.bindingMessage(BuiltinModels.bnn, .bundled, ["widths": "5,,5"]).contains("expected positive integers"))
    }

    @Test func logisticRegressionRefusesAnOutcomeOtherThanZeroOrOne() throws {
        let table = try CSVTable.parse("x,y\n0.1,0\n0.2,2\n0.4,1\n", source: "mine.csv")
        #expect(Self.bindingMessage(BuiltinModels.logisticRegression, .table(table))
                == "model 'logistic-regression', data file 'mine.csv': 'y' element 2 is 2, above its upper bound 1")
    }

    /// A non-finite feature is refused where it is read, naming the file, line, column and value.
    @Test func aNonFiniteCSVFeatureIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("leapfrog-nan-\(getpid()).csv").path
        try "a,b,y\n1,2,0.5\n3,NaN,0.1\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for model in [BuiltinModels.bnn, BuiltinModels.linearRegression] {
            let m = Self.message { _ = try model.instantiate(data: try .file(path)) }
            #expect(m == "\(path):3:2: column 'b' holds a non-finite value 'NaN'", "\(model.name): \(m)")
        }
    }

    /// Every built-in with bundled or generated data, and the UCI files, still bind.
    @Test func validDataAreStillAccepted() throws {
        for model in BuiltinModels.all where !["bnn-classifier", "linear-regression", "logistic-regression"].contains(model.name) {
            #expect(Self.bindingMessage(model, .bundled) == "no error", "\(model.name)")
        }
        for kind in GaussianTarget.Kind.allCases {
            #expect(Self.bindingMessage(BuiltinModels.gaussian, .bundled, ["kind": kind.rawValue]) == "no error")
        }
        let dir = RepositoryData.directory
        for (model, file) in [(BuiltinModels.bnnClassifier, "uci/digits.csv"), (BuiltinModels.bnnClassifier, "uci/breast_cancer.csv"),
                              (BuiltinModels.logisticRegression, "uci/breast_cancer.csv")] {
            let options = model.name == "bnn-classifier" ? ["widths": "2"] : [:]
            #expect(Self.bindingMessage(model, try .file(dir + "/" + file), options) == "no error", "\(model.name) on \(file)")
        }
    }

    /// A CSV read by a network or a regression says which column is the target and which the features.
    @Test func csvModelsNoteWhichColumnsTheyTook() throws {
        let ab = try CSVTable.parse("a,b\n1,0.5\n2,0.1\n3,-0.4\n", source: "ab.csv")
        #expect(try BuiltinModels.bnn.instantiate(data: .table(ab)).notes
                == ["ab.csv: target column 'b' (the last column), feature 'a' (every other column)"])
        let named = try CSVTable.parse("y,u,v\n1,0.5,2\n2,0.1,1\n3,-0.4,0\n", source: "uv.csv")
        #expect(try BuiltinModels.linearRegression.instantiate(data: .table(named)).notes
                == ["uv.csv: target column 'y' (named y), features 'u', 'v' (every other column, standardised)"])
        let chosen = try BuiltinModels.linearRegression.instantiate(options: ModelOptions(["target": "u", "features": "v"]), data: .table(named))
        #expect(chosen.notes == ["uv.csv: target column 'u' (the target option), feature 'v' (the features option, standardised)"])
        let labels = try CSVTable.parse("a,b,c\n1,0.5,0\n2,0.1,2\n3,-0.4,1\n", source: "abc.csv")
        let note = try #require(try BuiltinModels.bnnClassifier.instantiate(data: .table(labels)).notes.first)
        #expect(note.hasPrefix("abc.csv: target column 'c' (the last column), features 'a', 'b'") && note.hasSuffix("3 classes, labels 0…2"), "\(note)")
        let gp = try CSVTable.parse("t,z\n1,0.5\n2,0.1\n", source: "gp.csv")
        #expect(try BuiltinModels.gpRegression.instantiate(options: ModelOptions(["x": "t", "target": "z"]), data: .table(gp)).notes
                == ["gp.csv: inputs column 't', target column 'z'"])
        #expect(try BuiltinModels.eightSchools.instantiate().notes.isEmpty)
    }

    /// The networks declare only quantities that do not flip sign or permute with the hidden
    /// units; the others leave every quantity to be judged.
    @Test func networksDeclareTheirIdentifiableQuantities() throws {
        let bnn = try BuiltinModels.bnn.instantiate().graph
        #expect(bnn.identifiable == ["prec", "mu_grid", "lp__"])
        let judged = try BoundModel(graph: bnn, data: try BuiltinModels.bnn.instantiate().data).layout.elementNames
            .filter { bnn.identifiable!.contains(String($0.prefix { $0 != "[" })) }
        #expect(judged == ["prec"])
        let classifier = try BuiltinModels.bnnClassifier.instantiate(data: .table(try CSVTable.parse("a,y\n1,0\n2,1\n", source: "c.csv"))).graph
        #expect(classifier.identifiable == ["lp__"])
        for model in BuiltinModels.all where !model.name.hasPrefix("bnn") {
            guard let inst = try? model.instantiate() else { continue }
            #expect(inst.graph.identifiable == nil, "\(model.name)")
        }
    }

    @Test func unknownNamesAndOptionsAreClearErrors() {
        #expect(throws: LeapfrogError.self) { try BuiltinModels.named("bnnn") }
        do {
            _ = try BuiltinModels.bnn.instantiate(options: ModelOptions(["width": "5"]))
            Issue.record("an unknown option was accepted")
        } catch let e as LeapfrogError {
            #expect(e.message.contains("no option 'width'") && e.message.contains("widths"))
        } catch { Issue.record("\(error)") }
        do {
            _ = try BuiltinModels.bnnClassifier.instantiate()
            Issue.record("no data accepted")
        } catch let e as LeapfrogError {
            #expect(e.message.contains("--data"))
        } catch { Issue.record("\(error)") }
    }

    @Test func dataThatDoesNotFitTheModelIsNamed() throws {
        // y with 7 schools while J = 8.
        let bad = try StanJSON.parse(#"{"J": 8, "y": [1,2,3,4,5,6,7], "sigma": [1,1,1,1,1,1,1,1]}"#, source: "schools.json")
        let inst = try BuiltinModels.eightSchools.instantiate(data: .json(bad))
        do {
            _ = try BoundModel(graph: inst.graph, data: inst.data)
            Issue.record("a shape mismatch was accepted")
        } catch let e as LeapfrogError {
            #expect(e.message.contains("schools.json") && e.message.contains("'y' has 7 elements") && e.message.contains("J = 8"), "\(e.message)")
        }
        let missing = try StanJSON.parse(#"{"J": 8, "y": [1,2,3,4,5,6,7,8]}"#, source: "schools.json")
        do {
            _ = try BoundModel(graph: inst.graph, data: missing)
            Issue.record("missing data was accepted")
        } catch let e as LeapfrogError {
            #expect(e.message.contains("needs real data 'sigma'"), "\(e.message)")
        }
    }
}

/// A plain Cholesky for test expectations (independent of the reference module's).
enum LinearAlgebraForTests {
    static func cholesky(_ a: [Double], _ n: Int) -> [Double] {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = i == j ? s.squareRoot() : s / l[j * n + j]
            }
        }
        return l
    }
}
