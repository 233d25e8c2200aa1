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
