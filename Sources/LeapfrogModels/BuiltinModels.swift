import LeapfrogCore
import LeapfrogData
import LeapfrogModel

/// The models users pick by name, from the API and the CLI.
public enum BuiltinModels {
    public static let all: [BuiltinModel] = [bnn, bnnClassifier, linearRegression, logisticRegression,
                                             eightSchools, eightSchoolsCentered, gpRegression, gaussian]

    /// The built-in model called `name`; an unknown name is an error suggesting the closest name
    /// (`NameSuggestion`) and listing the known ones.
    public static func named(_ name: String) throws -> BuiltinModel {
        guard let m = all.first(where: { $0.name == name }) else {
            let names = all.map(\.name)
            let list = "\(names.joined(separator: ", ")) (or pass a model JSON file)"
            let hint = NameSuggestion.closest(to: name, among: names).map { "did you mean '\($0)'? Built-in models: " } ?? "built-in models: "
            throw LeapfrogError(.configuration, "unknown model '\(name)'; \(hint)\(list)")
        }
        return m
    }

    static let networkOptions = [
        "widths": "hidden-layer widths, comma-separated (default 5,5)",
        "activation": "tanh or relu (default tanh)",
        "biases": "add Normal(0,1) biases to every layer (default false, as numpyro's example)",
        "target": "CSV column of the outcome (default: y if present, else the last column)",
        "features": "CSV feature columns, comma-separated (default: all but the target)",
    ]

    /// Points of the prediction grid made for a one-feature regression table.
    static let gridPoints = 50

    static func networkShape(_ o: ModelOptions) throws -> ([Int], NeuralNetworks.Activation, Bool) {
        let name = o.string("activation", "tanh")
        guard let act = NeuralNetworks.Activation(rawValue: name) else {
            throw LeapfrogError(.configuration, "model option activation=\(name): expected tanh or relu")
        }
        return (try o.intList("widths", [5, 5]), act, try o.bool("biases", false))
    }

    /// `X` and `y` from a CSV table by the `target`, `features` and `standardize` options, and a
    /// note saying which columns were taken and why.
    static func features(_ table: CSVTable, _ o: ModelOptions, standardize: Bool,
                         integerTarget: Bool) throws -> (data: DataSet, standardization: Standardization?, note: String) {
        let defaultTarget = table.columnNames.contains("y") ? "y" : table.columnNames.last ?? "y"
        let target = o.string("target", defaultTarget)
        let features = o.values["features"].map { $0.split(separator: ",").map { String($0.trimmingCharacters()) } }
        let (data, std) = try table.dataSet(features: features, target: target, standardize: try o.bool("standardize", standardize),
                                            integerTarget: integerTarget)
        let targetWhy = o.values["target"] != nil ? "the target option" : (target == "y" ? "named y" : "the last column")
        let featureNames = features ?? table.columnNames.filter { $0 != target }
        let featureWhy = [features != nil ? "the features option" : "every other column", std != nil ? "standardised" : nil]
        var note = "\(table.source): target column '\(target)' (\(targetWhy)), "
            + "\(featureNames.count == 1 ? "feature" : "features") \(quotedList(featureNames)) (\(featureWhy.compactMap { $0 }.joined(separator: ", ")))"
        if std != nil, table.rowCount > 1 {
            let constant = featureNames.filter { name in
                guard let column = try? table.column(name), let first = column.first else { return false }
                return column.allSatisfy { $0 == first }
            }
            if !constant.isEmpty { note += "; constant, kept as \(constant.count == 1 ? "it is" : "they are"): \(quotedList(constant))" }
        }
        return (data, std, note)
    }

    /// `'a', 'b', 'c'`, the first `limit` names then "and N more".
    static func quotedList(_ names: [String], limit: Int = 8) -> String {
        let shown = names.prefix(limit).map { "'\($0)'" }.joined(separator: ", ")
        return names.count > limit ? shown + " and \(names.count - limit) more" : shown
    }

    static func requireTableOrJSON(_ source: DataSource, model: String, example: String) throws -> DataSource {
        if case .bundled = source {
            throw LeapfrogError(.data, "model '\(model)' has no bundled data: pass --data FILE (e.g. \(example))")
        }
        return source
    }

    /// Evenly spaced points from `a` to `b`.
    static func linspace(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
        (0..<n).map { a + (b - a) * Double($0) / Double(n - 1) }
    }

    // MARK: The models

    public static let bnn = BuiltinModel(
        name: "bnn",
        summary: "Bayesian neural network regression (flagship): tanh MLP, Normal(0,1) weights, prec ~ Gamma(3,1)",
        parameters: "W1 [D,H1], W2 [H1,H2], …, W(L+1) [HL], prec > 0 (46 with D=3 and widths 5,5); biases b1… with biases=true",
        dataHelp: "X [N,D], y [N]; CSV: the target is y if present, else the last column (or target=…), the features every other column (or features=…) (bundled: bnn_toy.csv, numpyro's example data, with a 25-point prediction grid X_grid → mu_grid: x = linspace(−1.2, 1.2, 25) as features (1, x, x²))",
        options: networkOptions.merging(["standardize": "standardise the feature columns (default false: the toy features are 1, x, x²)",
                                         "noise": "fix the likelihood's standard deviation (no prec), e.g. 0.1 for Edward's tutorial (data/edward_toy.csv)"]) { a, _ in a },
        make: { o, source in
            let (widths, act, biases) = try networkShape(o)
            let noise = try o.values["noise"].map { _ in try o.double("noise", 0) }
            if let noise, !(noise > 0 && noise.isFinite) {
                throw LeapfrogError(.configuration, "model option noise=\(noise): expected a positive standard deviation")
            }
            let graph = try NeuralNetworks.regression(widths: widths, activation: act, biases: biases, noise: noise)
            switch source {
            case .bundled:
                let table = try CSVTable.parse(BundledData.bnnToy, source: "bundled bnn_toy.csv")
                var (data, std, note) = try features(table, o, standardize: false, integerTarget: false)
                let d = data["X"]!.shape[1]
                if d == 3 && std == nil {
                    // The toy features are (1, x, x²): predict on x ∈ [−1.2, 1.2].
                    data["X_grid"] = .matrix(rows: linspace(-1.2, 1.2, 25).map { [1, $0, $0 * $0] })
                }
                return ModelInstance(graph: graph, data: data, standardization: std, notes: [note])
            case .table(let t):
                var (data, std, note) = try features(t, o, standardize: false, integerTarget: false)
                if let x = data["X"], x.shape[1] == 1, std == nil, let lo = x.values.min(), let hi = x.values.max(), hi > lo {
                    // One feature: predict on its range widened by a quarter each side (Edward's tutorial plots
                    // the fit between and beyond its two clusters).
                    let pad = 0.25 * (hi - lo)
                    data["X_grid"] = .matrix(rows: linspace(lo - pad, hi + pad, gridPoints).map { [$0] })
                }
                return ModelInstance(graph: graph, data: data, standardization: std, notes: [note])
            case .json(let d):
                return ModelInstance(graph: graph, data: d)
            }
        })

    public static let bnnClassifier = BuiltinModel(
        name: "bnn-classifier",
        summary: "Bayesian neural network classifier: the bnn's hidden layers ending in Bernoulli-logit (2 classes) or categorical-logit (K classes)",
        parameters: "W1 [D,H1], …, W(L+1) [HL] (2 classes) or [HL,K]",
        dataHelp: "X [N,D], y [N] labels 0…K−1 in the CSV (stored 1…K for K > 2); features standardised by default. E.g. data/uci/breast_cancer.csv, digits.csv",
        options: networkOptions.merging(["standardize": "standardise the feature columns (default true)"]) { a, _ in a },
        make: { o, source in
            let (widths, act, biases) = try networkShape(o)
            switch try requireTableOrJSON(source, model: "bnn-classifier", example: "data/uci/breast_cancer.csv") {
            case .table(let t):
                var (data, std, note) = try features(t, o, standardize: true, integerTarget: true)
                let labels = data["y"]!.values
                let k = Int(labels.max() ?? 0) + 1
                let target = o.string("target", t.columnNames.contains("y") ? "y" : t.columnNames.last ?? "y")
                if let bad = labels.firstIndex(where: { $0 < 0 }) {
                    throw LeapfrogError(.data, "\(t.source):\(t.line(ofRow: bad)):\((t.columnNames.firstIndex(of: target) ?? 0) + 1): "
                                        + "label \(Int(labels[bad])) is negative; labels must be 0…K−1")
                }
                guard k >= 2 else { throw LeapfrogError(.data, "\(t.source): the target has a single class; a classifier needs at least two") }
                // Labels 1/2 for two classes would make a third, empty class 0 (and its weights).
                let present = Set(labels.map { Int($0) })
                if let empty = (0..<k).first(where: { !present.contains($0) }) {
                    throw LeapfrogError(.data, "\(t.source): labels must be 0…K−1 with every class present, but no row has label "
                                        + "\(empty) (labels found: \(present.sorted().prefix(10).map(String.init).joined(separator: ", "))); "
                                        + "recode them (1/2 as 0/1)")
                }
                if k > 2 {
                    data["y"] = DataArray(shape: [labels.count], values: labels.map { $0 + 1 }, isInteger: true)
                    data["K"] = .integer(k)
                }
                return ModelInstance(graph: try NeuralNetworks.classifier(classes: k, widths: widths, activation: act, biases: biases),
                                     data: data, standardization: std, notes: [note + "; \(k) classes, labels 0…\(k - 1)"])
            case .json(let d):
                let k = d["K"].flatMap(\.scalarValue).map { Int($0) } ?? 2
                return ModelInstance(graph: try NeuralNetworks.classifier(classes: k, widths: widths, activation: act, biases: biases), data: d)
            case .bundled: fatalError("unreachable")
            }
        })

    static let regressionOptions = [
        "prior_scale": "scale of the Normal priors on intercept and coefficients (and of the HalfNormal noise prior)",
        "standardize": "standardise the feature columns (default true)",
        "target": "CSV column of the outcome (default: y if present, else the last column)",
        "features": "CSV feature columns, comma-separated (default: all but the target)",
    ]

    /// A regression on `X`, `y` from a CSV table (standardised features) or JSON data.
    static func regression(name: String, summary: String, parameters: String, example: String, defaultScale: Double,
                           integerTarget: Bool, graph: @escaping @Sendable (Double) throws -> ModelGraph) -> BuiltinModel {
        BuiltinModel(
            name: name, summary: summary, parameters: parameters,
            dataHelp: "X [N,D], y [N]\(integerTarget ? " in {0,1}" : ""); e.g. \(example)",
            options: regressionOptions.merging(["prior_scale": "prior scale (default \(defaultScale))"]) { _, b in b },
            make: { o, source in
                let g = try graph(try o.positive("prior_scale", defaultScale))
                switch try requireTableOrJSON(source, model: name, example: example) {
                case .table(let t):
                    let (data, std, note) = try features(t, o, standardize: true, integerTarget: integerTarget)
                    return ModelInstance(graph: g, data: data, standardization: std, notes: [note])
                case .json(let d): return ModelInstance(graph: g, data: d)
                case .bundled: fatalError("unreachable: requireTableOrJSON refuses bundled data")
                }
            })
    }

    public static let linearRegression = regression(
        name: "linear-regression", summary: "Linear regression: y ~ Normal(alpha + X·beta, sigma)",
        parameters: "alpha, beta [D], sigma > 0", example: "data/uci/diabetes.csv (target=progression)",
        defaultScale: 10, integerTarget: false, graph: { try ClassicModels.linearRegression(priorScale: $0) })

    public static let logisticRegression = regression(
        name: "logistic-regression", summary: "Logistic regression: y ~ Bernoulli-logit(alpha + X·beta)",
        parameters: "alpha, beta [D]", example: "data/uci/breast_cancer.csv",
        defaultScale: 2.5, integerTarget: true, graph: { try ClassicModels.logisticRegression(priorScale: $0) })

    static func eightSchoolsModel(centered: Bool) -> BuiltinModel {
        BuiltinModel(
            name: centered ? "eight-schools-centered" : "eight-schools",
            summary: centered ? "Eight schools, centred: theta ~ Normal(mu, tau) (divergent funnel)"
                              : "Eight schools, non-centred: theta = mu + tau·theta_tilde",
            parameters: centered ? "mu, tau > 0, theta [J]" : "mu, tau > 0, theta_tilde [J]; derived theta [J]",
            dataHelp: "J, y [J], sigma [J] > 0 (CmdStan JSON; bundled: posteriordb eight_schools.json)",
            options: [:],
            make: { _, source in
                let graph = try ClassicModels.eightSchools(centered: centered)
                switch source {
                case .bundled: return ModelInstance(graph: graph, data: try StanJSON.parse(BundledData.eightSchools, source: "bundled eight_schools.json"))
                case .json(let d): return ModelInstance(graph: graph, data: d)
                case .table(let t): throw LeapfrogError(.data, "\(t.source): eight schools reads CmdStan JSON data (J, y, sigma), not CSV")
                }
            })
    }

    public static let eightSchools = eightSchoolsModel(centered: false)
    public static let eightSchoolsCentered = eightSchoolsModel(centered: true)

    public static let gpRegression = BuiltinModel(
        name: "gp-regression",
        summary: "Gaussian-process regression, exponentiated-quadratic kernel, Cholesky marginal likelihood",
        parameters: "var > 0, length > 0, noise > 0; derived f_grid [G] (predictive mean on x_grid)",
        dataHelp: "x [N], y [N]; CSV columns x and y (bundled: gp_toy.csv, numpyro's example data, with a 40-point grid on [−1.3, 1.3])",
        options: ["prior_scale": "sigma of the LogNormal(0, s) priors (default 10, as numpyro's example)",
                  "x": "CSV column of the inputs (default x)", "target": "CSV column of the outcome (default y)"],
        make: { o, source in
            let graph = try ClassicModels.gpRegression(priorScale: try o.positive("prior_scale", 10))
            func fromTable(_ t: CSVTable, grid: Bool) throws -> ModelInstance {
                let (xName, yName) = (o.string("x", "x"), o.string("target", "y"))
                if xName == yName { throw LeapfrogError(.data, "\(t.source):1: column '\(xName)' is both the target and the input") }
                var data = DataSet(["x": .vector(try t.column(xName)), "y": .vector(try t.column(yName))], source: t.source)
                if grid { data["x_grid"] = .vector(linspace(-1.3, 1.3, 40)) }
                return ModelInstance(graph: graph, data: data, notes: ["\(t.source): inputs column '\(xName)', target column '\(yName)'"])
            }
            switch source {
            case .bundled: return try fromTable(try CSVTable.parse(BundledData.gpToy, source: "bundled gp_toy.csv"), grid: true)
            case .table(let t): return try fromTable(t, grid: false)
            case .json(let d): return ModelInstance(graph: graph, data: d)
            }
        })

    public static let gaussian = BuiltinModel(
        name: "gaussian",
        summary: "A d-dimensional Gaussian with known moments, for testing samplers",
        parameters: "x [d]",
        dataHelp: "none: generated from the options (mu_k = 2(k+1)/d − 1; see GaussianTarget)",
        options: ["dim": "dimension d (default 10)",
                  "kind": "iid, correlated (AR(1), rho 0.9) or ill-conditioned (sd 1…100, condition number 1e4) (default iid)"],
        make: { o, source in
            guard case .bundled = source else {
                throw LeapfrogError(.data, "model 'gaussian' generates its own data; drop --data and use --model-option dim=…,kind=…")
            }
            let dim = try o.int("dim", 10)
            guard dim >= 1 else { throw LeapfrogError(.configuration, "model option dim=\(dim): must be at least 1") }
            let kindName = o.string("kind", "iid")
            guard let kind = GaussianTarget.Kind(rawValue: kindName) else {
                throw LeapfrogError(.configuration, "model option kind=\(kindName): expected \(GaussianTarget.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let target = GaussianTarget(dimension: dim, kind: kind)
            return ModelInstance(graph: try ClassicModels.gaussian(correlated: kind == .correlated), data: target.data)
        })
}
