import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import LeapfrogStan

/// Data checks, transformed data, data-dependent sizes, bounds, indices and conditions.
@Suite struct DataBindingTests {
    static let eight = """
    data {
      int<lower=0> J;
      vector[J] y;
      vector<lower=0>[J] sigma;
    }
    parameters { real mu; }
    model { y ~ normal(mu, sigma); }
    """

    @Test func dataBoundsAreCheckedNamingTheVariable() throws {
        let model = try StanProgram.compile(source: Self.eight, path: "eight.stan")
        let data = try StanJSON.parse(#"{"J": 3, "y": [1, 2, 3], "sigma": [1, -2, 3]}"#, source: "d.json")
        let message = errorMessage { _ = try model.prepareData(data) }
        #expect(message == "model 'eight', data file 'd.json': 'sigma' element 2 is -2.0, below its lower bound 0.0 (declared at eight.stan:4:22)")
        let negative = try StanJSON.parse(#"{"J": -1, "y": [], "sigma": []}"#, source: "d.json")
        #expect(errorMessage { _ = try model.prepareData(negative) }.contains("'J' is -1, below its lower bound 0.0"))
    }

    @Test func missingWronglyShapedAndNonIntegerData() throws {
        let model = try StanProgram.compile(source: Self.eight, path: "eight.stan")
        #expect(errorMessage { _ = try model.prepareData(try StanJSON.parse(#"{"J": 2, "y": [1, 2]}"#, source: "d.json")) }
            == "model 'eight', data file 'd.json': the program declares real data 'sigma' (eight.stan:4:22), but the data have only J, y")
        #expect(errorMessage { _ = try model.prepareData(try StanJSON.parse(#"{"J": 2, "y": [1, 2, 3], "sigma": [1, 1]}"#, source: "d.json")) }
            == "model 'eight', data file 'd.json': 'y' has shape [3] but the program declares shape [2]")
        #expect(errorMessage { _ = try model.prepareData(try StanJSON.parse(#"{"J": 2.5, "y": [1, 2], "sigma": [1, 1]}"#, source: "d.json")) }
            .contains("'J' must hold integers, but element 1 is 2.5"))
    }

    /// Integers past 2^53 written in exponent form (3e20 reads as a whole real), integer division
    /// by zero in transformed data, and a NaN computed there: each named (the last two read
    /// "never assigned").
    @Test func integersTooLargeDivisionByZeroAndComputedNaNAreNamed() throws {
        let model = try StanProgram.compile(source: Self.eight, path: "eight.stan")
        #expect(errorMessage { _ = try model.prepareData(try StanJSON.parse(#"{"J": 3e20, "y": [], "sigma": []}"#, source: "d.json")) }
            .contains("'J' must hold integers, but element 1 is 3e+20, too large to hold exactly (the limit is 2^53)"))
        let data = try StanJSON.parse(#"{"J": 2, "y": [1, 2], "sigma": [1, 1]}"#, source: "d.json")
        let division = Self.eight.replacingOccurrences("parameters", "transformed data { int k = J %/% (J - 2); }\nparameters")
        #expect(errorMessage { _ = try StanProgram.compile(source: division, path: "eight.stan").prepareData(data) }
            .contains("integer division by zero"))
        let logNegative = Self.eight.replacingOccurrences("parameters", "transformed data { vector[J] s = log(sigma - 100); }\nparameters")
        #expect(errorMessage { _ = try StanProgram.compile(source: logNegative, path: "eight.stan").prepareData(data) }
            .contains("transformed data 's' element 1 is NaN: never assigned, or computed outside a function's domain"))
    }

    /// A parameter's bound that depends on data through functions the graph lacks (posteriordb's
    /// `vector<lower=mean(y) - 3 * sd(y), …>`): computed on the host when the data are bound.
    @Test func aBoundBeyondTheGraphsFunctionsIsComputedOnTheHost() throws {
        let model = try StanProgram.compile(source: """
            data { int n; vector[n] y; }
            parameters { real<lower=mean(y) - 3 * sd(y), upper=mean(y) + 3 * sd(y)> mu; }
            model { y ~ normal(mu, 1); }
            """, path: "b.stan")
        let (graph, _) = try model.instantiate(data: DataSet(["n": .integer(4), "y": .vector([1, 2, 4, 5])], source: "t"))
        let sd = (10.0 / 3).squareRoot()
        let c = try #require(graph.parameter(named: "mu")?.constraint)
        guard case .bounded(let lo, let hi) = c else { Issue.record("not bounded: \(c)"); return }
        #expect(abs(lo - (3 - 3 * sd)) < 1e-12 && abs(hi - (3 + 3 * sd)) < 1e-12, "\(c)")
    }

    @Test func transformedDataRunOnTheHost() throws {
        let source = """
        data { int<lower=1> N; vector[N] x; }
        transformed data {
          real m = mean(x);
          vector[N] centred;
          int twice = 2 * N;
          for (n in 1:N) centred[n] = x[n] - m;
          if (N > 100) reject("too many points: N = ", N);
        }
        parameters { real beta; }
        model { beta ~ normal(sum(centred) + twice, 1); }
        """
        let model = try StanProgram.compile(source: source, path: "td.stan")
        let data = DataSet(["N": .integer(3), "x": .vector([1, 2, 6])])
        let prepared = try model.prepareData(data)
        #expect(prepared["centred"]?.values == [-2, -1, 3])
        #expect(prepared["twice"] == .integer(6))
        let ref = try ReferenceModel(graph: model.graph, data: prepared)
        // beta ~ normal(6, 1): the gradient at beta = 0 is 6.
        #expect(abs(ref.logDensityAndGradient([0]).1[0] - 6) < 1e-12)
        let big = DataSet(["N": .integer(101), "x": .vector(Array(repeating: 0, count: 101))])
        #expect(errorMessage { _ = try model.prepareData(big) } == """
        td.stan:7:16: error: reject: too many points: N = 101
              if (N > 100) reject("too many points: N = ", N);
                           ^
        """)
    }

    @Test func transformedDataInterpreterCoversContainersAndIntegers() throws {
        let source = """
        data { int N; matrix[2, 3] A; array[2] int idx; }
        transformed data {
          vector[6] flat = to_vector(A);
          row_vector[3] r = A[2];
          vector[2] c = A[:, 3];
          matrix[3, 2] At = A';
          vector[2] Av = A * rep_vector(1, 3);
          array[N] int counts = rep_array(0, N);
          int half = N / 2;
          int rest = N % 2;
          real ratio = 1.0 * N / 2;
          vector[2] picked = flat[idx];
          for (n in 1:N) {
            int k;
            k = n * n;
            counts[n] += k;
          }
          {
            real local = sum(A);
            ratio += local;
          }
        }
        parameters { real x; }
        model { x ~ normal(0, 1); }
        """
        let model = try StanProgram.compile(source: source, path: "td.stan")
        let data = DataSet(["N": .integer(5), "A": .matrix(rows: [[1, 2, 3], [4, 5, 6]]), "idx": .integers([2, 5])])
        let p = try model.prepareData(data)
        #expect(p["flat"]?.values == [1, 4, 2, 5, 3, 6])
        #expect(p["r"]?.values == [4, 5, 6])
        #expect(p["c"]?.values == [3, 6])
        #expect(p["At"]?.shape == [3, 2] && p["At"]?.values == [1, 4, 2, 5, 3, 6])
        #expect(p["Av"]?.values == [6, 15])
        #expect(p["counts"] == .integers([1, 4, 9, 16, 25]))
        #expect(p["half"] == .integer(2) && p["rest"] == .integer(1))
        #expect(p["ratio"] == .scalar(2.5 + 21))
        #expect(p["picked"]?.values == [4, 3])
        #expect(p["local"] == nil && p["k"] == nil)
        #expect(errorMessage { _ = try model.prepareData(DataSet(["N": .integer(1), "A": .matrix(rows: [[1, 2, 3], [4, 5, 6]]), "idx": .integers([2, 7])])) }
            .hasPrefix("td.stan:12:27: error: index 7 is out of range 1…6"))
    }

    @Test func dataDependentSizesBoundsIndicesAndConditions() throws {
        let source = """
        data {
          int<lower=1> K;
          real<lower=0> scale;
          int<lower=0, upper=1> prior_only;
          array[K] int<lower=1, upper=K + 1> pick;
          vector[K + 1] y;
        }
        parameters {
          real<lower=-scale, upper=scale> a;
          vector[K + 1] b;
        }
        model {
          a ~ normal(0, 1);
          b[1] ~ normal(a, 1);
          b[K + 1] ~ normal(0, 2);
          b[pick] ~ normal(0, 3);
          if (prior_only == 0) {
            y ~ normal(b, 1);
          }
        }
        """
        let model = try StanProgram.compile(source: source, path: "d.stan")
        func lp(_ b: [Double], _ a: Double, _ y: [Double]?, _ pick: [Int]) -> Double {
            var s = -a * a / 2 - (b[0] - a) * (b[0] - a) / 2 - b[b.count - 1] * b[b.count - 1] / 8
            for k in pick { s -= b[k - 1] * b[k - 1] / 18 }
            if let y { for (bi, yi) in zip(b, y) { s -= (yi - bi) * (yi - bi) / 2 } }
            return s
        }
        for priorOnly in [0, 1] {
            let y = [0.5, -1, 2]
            let data = DataSet(["K": .integer(2), "scale": .scalar(3), "prior_only": .integer(priorOnly),
                                "pick": .integers([3, 2]), "y": .vector(y)])
            let (graph, prepared) = try model.instantiate(data: data)
            #expect(graph.parameters[0].constraint == .bounded(-3, 3))
            #expect(graph.parameters[1].shape == [.symbol("__size1")])
            let ref = try ReferenceModel(graph: graph, data: prepared)
            var rng = TestRandom(seed: UInt64(priorOnly))
            let (u0, u1) = (rng.vector(4), rng.vector(4))
            // The log-Jacobian of a on (−3, 3) enters both; compare the rest by hand.
            func total(_ u: [Double]) -> Double {
                let x = ref.constrained(u)
                let logJ = Constraint.bounded(-3, 3).constrain(u[0]).logJacobian
                return lp(Array(x[1...]), x[0], priorOnly == 0 ? y : nil, [3, 2]) + logJ
            }
            #expect(abs((ref.logDensity(u1) - ref.logDensity(u0)) - (total(u1) - total(u0))) < 1e-10)
            #expect(GradientCheck.worstRelativeError(ref, at: u1) < GradientCheck.tolerance)
        }
    }

    @Test func generatedQuantitiesAndTransformedParametersAreDerived() throws {
        let source = """
        data { int<lower=1> N; matrix[N, 2] X; }
        parameters { vector[2] beta; real<lower=0> sigma; }
        transformed parameters {
          real log_sigma = log(sigma);
        }
        model { beta ~ normal(0, 1); sigma ~ exponential(1); }
        generated quantities {
          vector[N] mu = X * beta;
          real first = X[1, 2] * beta[2];
          real col_sum = sum(X[:, 1]);
          real s2 = square(sigma);
        }
        """
        let data = DataSet(["N": .integer(2), "X": .matrix(rows: [[1, 2], [3, 4]])])
        let stan = try stanReference(source, data)
        #expect(stan.model.derivedElementNames == ["log_sigma", "mu[1]", "mu[2]", "first", "col_sum", "s2"])
        let u = [0.5, -1, 0.25]
        let d = stan.derivedValues(u)
        let sigma = exp(0.25)
        #expect(abs(d[0] - 0.25) < 1e-14)
        #expect(abs(d[1] - (0.5 - 2)) < 1e-14 && abs(d[2] - (1.5 - 4)) < 1e-14)
        #expect(abs(d[3] - (-2)) < 1e-14)
        #expect(abs(d[4] - 4) < 1e-14)
        #expect(abs(d[5] - sigma * sigma) < 1e-12)
    }

    @Test func equivalenceCheckDetectsADifferentModel() throws {
        let data = regressionData(n: 10, d: 2, seed: 3)
        let a = try stanReference(StanCorpus.linearRegression, data)
        let b = try stanReference(StanCorpus.linearRegression.replacingOccurrences("sigma ~ normal(0, 10)", "sigma ~ normal(0, 9)"), data)
        var rng = TestRandom(seed: 1)
        let (u0, u1) = (rng.vector(a.dimension), rng.vector(a.dimension))
        #expect(abs((a.logDensity(u1) - a.logDensity(u0)) - (b.logDensity(u1) - b.logDensity(u0))) > 1e-6)
    }
}

extension String {
    /// Every occurrence of `a` replaced by `b` (the tests do without Foundation).
    func replacingOccurrences(_ a: String, _ b: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: a) {
            out += rest[..<r.lowerBound] + b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
