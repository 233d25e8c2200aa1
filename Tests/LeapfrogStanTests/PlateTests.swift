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

/// Loops over 1:N compile to vectorised terms marked with the plate, not to graphs that grow with N.
@Suite struct PlateTests {
    @Test func loopedBNNIsOnePlateTermWhoseGraphDoesNotGrowWithN() throws {
        let model = try StanProgram.compile(source: StanCorpus.bnnLoop, path: "bnn.stan")
        let plated = model.graph.terms.filter { $0.plate != nil }
        #expect(plated.count == 1)
        #expect(plated.first?.plate == .symbol("N"))
        // The same graph binds to any N, and its size is that of the vectorised program.
        let vectorised = try StanProgram.compile(source: StanCorpus.bnn, path: "bnn.stan")
        #expect(model.graph.nodes.count <= vectorised.graph.nodes.count + 2)
        for n in [5, 50] {
            let data = regressionData(n: n, d: 3, seed: UInt64(n))
            let (graph, prepared) = try model.instantiate(data: data)
            let bound = try BoundModel(graph: graph, data: prepared)
            #expect(bound.extents["N"] == n)
            #expect(graph.nodes.count == model.graph.nodes.count)
        }
    }

    @Test func hierarchicalLoopGathersWithIndexAndMarksThePlate() throws {
        let model = try StanProgram.compile(source: StanCorpus.hierarchical, path: "h.stan")
        #expect(model.graph.terms.filter { $0.plate == .symbol("N") }.count == 1)
        #expect(model.graph.nodes.filter { $0.op == .index }.count == 1)
        #expect(model.graph.nodes.count < 30)
        let small = try StanProgram.compile(source: StanCorpus.hierarchical, path: "h.stan").graph
        #expect(small == model.graph)
        let ref = try ReferenceModel(graph: try ModelCorpusTests.hierarchicalGraph(), data: ModelCorpusTests.hierarchicalData(n: 200, groups: 7, seed: 1))
        expectEquivalent(try stanReference(StanCorpus.hierarchical, ModelCorpusTests.hierarchicalData(n: 200, groups: 7, seed: 1)), ref, points: 2)
    }

    @Test func loopsWithConstantBoundsNotStartingAtOneAreUnrolled() throws {
        let source = """
        parameters { vector[3] x; }
        model {
          x[1] ~ normal(0, 1);
          for (k in 2:3) x[k] ~ normal(x[k - 1], 0.5);
        }
        """
        let stan = try stanReference(source, DataSet())
        // Hand-derived: log N(x1|0,1) + log N(x2|x1,.5) + log N(x3|x2,.5) up to constants.
        var rng = TestRandom(seed: 2)
        let (u0, u1) = (rng.vector(3), rng.vector(3))
        func lp(_ x: [Double]) -> Double { -x[0] * x[0] / 2 - 2 * (x[1] - x[0]) * (x[1] - x[0]) - 2 * (x[2] - x[1]) * (x[2] - x[1]) }
        #expect(abs((stan.logDensity(u1) - stan.logDensity(u0)) - (lp(u1) - lp(u0))) < 1e-12)
        #expect(GradientCheck.worstRelativeError(stan, at: u1) < GradientCheck.tolerance)
    }

    @Test func unrolledLoopIndicesCombineWithData() throws {
        let source = """
        data { int<lower=3> K; vector[K] y; }
        parameters { real mu; }
        model {
          for (k in 0:1) {
            if (y[K - k] > 0) y[K - k] ~ normal(mu, 1);
          }
        }
        """
        let data = DataSet(["K": .integer(4), "y": .vector([9, 9, -1, 2])])
        let ref = try stanReference(source, data)
        // Only y[4] = 2 is positive.
        #expect(abs((ref.logDensity([0.5]) - ref.logDensity([0])) - (-(2 - 0.5) * (2 - 0.5) / 2 + 2.0)) < 1e-12)
    }

    @Test func nestedLoopsVectoriseOverRowsAndColumns() throws {
        let source = """
        data { int<lower=1> I; int<lower=1> J; matrix[I, J] y; array[I] vector[J] z; vector[I] w; }
        parameters { vector[I] a; vector[J] b; real<lower=0> s; }
        model {
          a ~ normal(0, 1);
          b ~ normal(0, 1);
          s ~ exponential(1);
          for (i in 1:I)
            for (j in 1:J) {
              y[i, j] ~ normal(a[i] + b[j], s);
              target += normal_lpdf(z[i][j] | exp(b[j]) * w[i], 1);
            }
        }
        """
        let (ni, nj) = (3, 4)
        var rng = TestRandom(seed: 21)
        let y = (0..<ni).map { _ in rng.vector(nj, -2, 2) }
        let z = (0..<ni).map { _ in rng.vector(nj, -2, 2) }
        let w = rng.vector(ni)
        let data = DataSet(["I": .integer(ni), "J": .integer(nj), "y": .matrix(rows: y), "z": .matrix(rows: z), "w": .vector(w)])
        let model = try StanProgram.compile(source: source, path: "nested.stan")
        // Both terms stream over rows; the second reads w[i] lifted across the columns as a column
        // [I, 1] (until 2026-12-07 a transpose of [J, I], which kept the term whole). The priors
        // on a and b are plates of their own (vectorised densities over rows, `RowTermTests`).
        #expect(model.graph.terms.map(\.plate) == [.symbol("I"), .symbol("J"), nil, .symbol("I"), .symbol("I")])
        let ref = try stanReference(source, data)
        func lp(_ u: [Double]) -> Double {
            let a = Array(u[0..<ni]), b = Array(u[ni..<(ni + nj)]), s = exp(u[ni + nj])
            var t = -a.map { $0 * $0 / 2 }.reduce(0, +) - b.map { $0 * $0 / 2 }.reduce(0, +) - s + u[ni + nj]
            for i in 0..<ni {
                for j in 0..<nj {
                    let r = (y[i][j] - a[i] - b[j]) / s
                    t += -r * r / 2 - log(s)
                    let q = z[i][j] - exp(b[j]) * w[i]
                    t += -q * q / 2
                }
            }
            return t
        }
        let (u0, u1) = (rng.vector(ni + nj + 1), rng.vector(ni + nj + 1))
        #expect(abs((ref.logDensity(u1) - ref.logDensity(u0)) - (lp(u1) - lp(u0))) < 1e-10)
        #expect(GradientCheck.worstRelativeError(ref, at: u1) < GradientCheck.tolerance)
        // A local scalar given its value (posteriordb's dogs) is that value per row and column;
        // one without a value is refused.
        let header = "data { int I; int J; matrix[I, J] y; } parameters { real m; vector[J] c; } model { m ~ normal(0, 1); c ~ normal(0, 1); "
        let grid = DataSet(["I": .integer(3), "J": .integer(4), "y": .matrix(rows: (0..<3).map { i in (0..<4).map { Double(i * 4 + $0) / 7 } })],
                           source: "test")
        expectEquivalent(try stanReference(header + "for (i in 1:I) for (j in 1:J) { real t = m * c[j]; y[i, j] ~ normal(t, 1); } }", grid),
                         try stanReference(header + "for (i in 1:I) for (j in 1:J) y[i, j] ~ normal(m * c[j], 1); }", grid))
        #expect(compileError("data { int I; int J; matrix[I, J] y; } parameters { real m; } model { for (i in 1:I) for (j in 1:J) { real t; y[i, j] ~ normal(m, 1); } }")
            .contains("only ~, target +=, local scalars declared with their value (real p = …;)"))
    }

    @Test func categoricalLogitRowsInALoop() throws {
        let source = """
        data {
          int<lower=1> N; int<lower=1> D; int<lower=2> K;
          matrix[N, D] X;
          array[N] int<lower=1, upper=K> y;
        }
        parameters { matrix[D, K] beta; }
        model {
          to_vector(beta) ~ normal(0, 1);
          for (n in 1:N) y[n] ~ categorical_logit((X[n] * beta)');
        }
        """
        var data = regressionData(n: 12, d: 2, seed: 8)
        data["K"] = .integer(3)
        data["y"] = .integers((0..<12).map { 1 + $0 % 3 })
        let stan = try stanReference(source, data)
        let ref = try ReferenceModel(graph: try ModelBuilder.build("cat") { m in
            let x = m.data("X", ["N", "D"]), y = m.data("y", ["N"], integer: true)
            let beta = m.parameter("beta", ["D", "K"])
            m.sample(beta, .normal(0, 1))
            m.sample(y, .categoricalLogit(x.matmul(beta)), plate: "N")
        }, data: data)
        expectEquivalent(stan, ref)
    }

    @Test func termsThatReadEveryRowLoseThePlateButKeepTheirValue() throws {
        let source = """
        data { int N; vector[N] x; vector[N] y; }
        parameters { real mu; }
        model {
          for (n in 1:N) y[n] ~ normal(mu * (x[n] - mean(x)), 1);
          for (n in 1:N) target += normal_lpdf(x[n] | mu, 2);
        }
        """
        let model = try StanProgram.compile(source: source, path: "m.stan")
        #expect(model.graph.terms.map(\.plate) == [nil, .symbol("N")])
        let x = [1.0, 2, 4], y = [0.5, -1, 3]
        let ref = try ReferenceModel(graph: model.graph, data: DataSet(["N": .integer(3), "x": .vector(x), "y": .vector(y)]))
        func lp(_ mu: Double) -> Double {
            zip(x, y).map { xi, yi in -(yi - mu * (xi - 7.0 / 3)) * (yi - mu * (xi - 7.0 / 3)) / 2 - (xi - mu) * (xi - mu) / 8 }.reduce(0, +)
        }
        #expect(abs((ref.logDensity([0.7]) - ref.logDensity([-0.2])) - (lp(0.7) - lp(-0.2))) < 1e-12)
    }

    @Test func localsInsideTheLoopHoldOneValuePerRow() throws {
        let source = """
        data { int N; vector[N] x; vector[N] y; }
        parameters { real a; real b; }
        model {
          vector[N] mu;
          for (n in 1:N) {
            real eta;
            {
              eta = a + b * x[n];
            }
            eta += 1;
            mu[n] = eta;
          }
          y ~ normal(mu, 1);
        }
        """
        let x = [1.0, 2, 4], y = [0.5, -1, 3]
        let ref = try stanReference(source, DataSet(["N": .integer(3), "x": .vector(x), "y": .vector(y)]))
        func lp(_ a: Double, _ b: Double) -> Double { zip(x, y).map { -($1 - a - b * $0 - 1) * ($1 - a - b * $0 - 1) / 2 }.reduce(0, +) }
        #expect(abs((ref.logDensity([0.3, -0.2]) - ref.logDensity([1, 0.5])) - (lp(0.3, -0.2) - lp(1, 0.5))) < 1e-12)
        // A whole outer variable assigned on every iteration makes the loop a recurrence (an
        // accumulator), not a vectorised loop.
        let sum = try stanReference("data { int N; vector[N] y; } parameters { real a; } model { real t = 0; for (n in 1:N) t += y[n]; a ~ normal(t, 1); }",
                                    DataSet(["N": .integer(3), "y": .vector(y)]))
        #expect(abs(sum.logDensity([0.5]) - (-0.5 * (0.5 - 2.5) * (0.5 - 2.5) - 0.5 * log(2 * Double.pi))) < 1e-12)
    }

    /// The loop index as a value (`mu * n`, a local `(n - 1) * 0.5`) is 1 … N, one per row; a
    /// loop over fewer rows than a value has reads its first rows, and over more is named.
    @Test func theIndexAsAValueAndLoopsOverFewerRows() throws {
        let data = DataSet(["N": .integer(4), "y": .vector([0.5, -1, 2, 0.3]), "idx": .vector([1, 2, 3, 4])], source: "test")
        let head = "data { int N; vector[N] y; vector[N] idx; }\nparameters { real mu; }\n"
        let index = try stanReference(head + "model { for (n in 1:N) { real h = (n - 1) * 0.5; y[n] ~ normal(mu * n + h, 1); } }", data)
        expectEquivalent(index, try stanReference(head + "model { y ~ normal(mu * idx + (idx - 1) * 0.5, 1); }", data))
        let mismatch = """
        data { int N; int M; vector[M] y; }
        parameters { real mu; }
        model {
          for (n in 1:N) y[n] ~ normal(mu, 1);
        }
        """
        // Rows 1…N of y, as Stan reads them: y's first N rows, or an error when y has fewer.
        let model = try StanProgram.compile(source: mismatch, path: "m.stan")
        let fewer = DataSet(["N": .integer(2), "M": .integer(3), "y": .vector([0.5, -1, 2])], source: "test")
        let (graph, prepared) = try model.instantiate(data: fewer)
        let first = try stanReference("data { int N; int M; vector[M] y; }\nparameters { real mu; }\nmodel { y[1:N] ~ normal(mu, 1); }", fewer)
        expectEquivalent(try ReferenceModel(graph: graph, data: prepared), first)
        let more = DataSet(["N": .integer(4), "M": .integer(3), "y": .vector([0.5, -1, 2])], source: "test")
        let message = errorMessage { _ = try model.instantiate(data: more) }
        #expect(message.contains("m.stan:4:20: error: the range 1:4 is out of range 1…3"), "\(message)")
    }

    /// The User's Guide's multi-logit regression, `categorical_logit(beta * x[n])` with x[n] a
    /// per-row vector: B · xₙ per row, as the product written once outside the loop.
    @Test func aMatrixTimesAPerRowVector() throws {
        let x: [[Double]] = [[0.3, -1], [1.2, 0.4], [-0.7, 0.9], [0.1, 0.2], [2, -0.5]]
        let data = DataSet(["N": .integer(5), "K": .integer(3), "D": .integer(2), "y": .integers([1, 3, 2, 2, 1]),
                            "x": .matrix(rows: x), "xa": DataArray(shape: [5, 2], values: x.flatMap { $0 })], source: "test")
        let head = "data { int N; int K; int D; array[N] int y; matrix[N, D] x; array[N] vector[D] xa; }\nparameters { matrix[K, D] beta; }\n"
        let written = try stanReference(head + "model { matrix[N, K] xb = x * beta'; to_vector(beta) ~ normal(0, 5); for (n in 1:N) y[n] ~ categorical_logit(xb[n]'); }", data)
        for body in ["for (n in 1:N) y[n] ~ categorical_logit(beta * xa[n]);", "for (n in 1:N) y[n] ~ categorical_logit(beta * x[n]');"] {
            expectEquivalent(try stanReference(head + "model { to_vector(beta) ~ normal(0, 5); \(body) }", data), written)
        }
    }

    /// A matrix's element by two per-row data indices (posteriordb's GLMM1:
    /// `log_lambda[obsyear[i], obssite[i]]`): each row's vector, then its element, as the rows
    /// gathered and multiplied by one-hot rows given as data.
    @Test func anElementByTwoDataIndicesPerRow() throws {
        let data = DataSet(["N": .integer(5), "R": .integer(3), "C": .integer(4), "y": .vector([0.5, -1, 2, 0.3, 1.1]),
                            "g": .integers([1, 3, 2, 3, 1]), "h": .integers([4, 1, 2, 2, 4]),
                            "E": .matrix(rows: [4, 1, 2, 2, 4].map { k in (1...4).map { $0 == k ? 1.0 : 0 } })], source: "test")
        let head = "data { int N; int R; int C; vector[N] y; array[N] int g; array[N] int h; matrix[N, C] E; }\nparameters { matrix[R, C] m; }\n"
        let pairs = try stanReference(head + "model { to_vector(m) ~ normal(0, 1); for (n in 1:N) y[n] ~ normal(m[g[n], h[n]], 1); }", data)
        let written = try stanReference(head + "model { to_vector(m) ~ normal(0, 1); y ~ normal((m[g] .* E) * rep_vector(1, C), 1); }", data)
        expectEquivalent(pairs, written)
        #expect(errorMessage { _ = try stanReference(head + "model { for (n in 1:N) y[n] ~ normal(m[g[n], h[n]], 1); }",
                                                     DataSet(data.variables.merging(["h": .integers([4, 1, 5, 2, 4])]) { $1 }, source: "d.json")) }
            .contains("'h' element 3 is 5, outside 1…4"))
    }

    /// `x[n + k]` in a vectorised loop (posteriordb's hierarchical_gp: `sigma_state[i] =
    /// sqrt(vars[i + 2])`): the rows 1 + k … N + k, as the slice written out.
    @Test func aShiftedLoopIndex() throws {
        let data = DataSet(["N": .integer(3), "y": .vector([0.5, -1, 2])], source: "test")
        let head = "data { int N; vector[N] y; }\nparameters { vector<lower=0>[N + 2] v; }\n"
        let shifted = try stanReference(head + """
            transformed parameters { vector[N] s; for (i in 1:N) s[i] = sqrt(v[i + 2]) + v[2 + i] + v[i + 1]; }
            model { v ~ exponential(1); y ~ normal(0, s); }
            """, data)
        let sliced = try stanReference(head + """
            transformed parameters { vector[N] s = sqrt(v[3:(N + 2)]) + v[3:(N + 2)] + v[2:(N + 1)]; }
            model { v ~ exponential(1); y ~ normal(0, s); }
            """, data)
        expectEquivalent(shifted, sliced)
        #expect(errorMessage { _ = try stanReference(head + "transformed parameters { vector[3] s; for (i in 1:3) s[i] = v[i - 1]; }", data) }
            .contains("starts below 1"))
        #expect(errorMessage { _ = try stanReference(head + "transformed parameters { vector[3] s; for (i in 1:3) s[i] = v[i + 3]; }", data) }
            .contains("the range 4:6 is out of range 1…5"))
        // Over a loop whose range the data decide, a shifted read of data is a gather too, not a recurrence.
        let shiftData = DataSet(["N": .integer(3), "y": .vector([0.5, 1, 2]), "g": .integers([1, 3, 2]), "v": .vector([1, 2, 3, 4])], source: "test")
        let gathered = try stanReference("""
            data { int N; vector[N] y; array[N] int g; vector[N + 1] v; }
            parameters { vector[3] b; }
            model { b ~ normal(0, 1); for (n in 1:N) y[n] ~ normal(b[g[n]] + v[n + 1], 1); }
            """, shiftData)
        let slice = try stanReference("""
            data { int N; vector[N] y; array[N] int g; vector[N + 1] v; }
            parameters { vector[3] b; }
            model { b ~ normal(0, 1); y ~ normal(b[g] + v[2:(N + 1)], 1); }
            """, shiftData)
        expectEquivalent(gathered, slice)
    }

    /// A loop from 2 or 3 that only adds terms (`for (t in 2:N) mu[t] ~ normal(mu[t - 1], s)`) is a
    /// vectorised loop with t standing for t + 1, so integer outcomes read in it stay data
    /// (`k[t] ~ poisson_log(…)`) and the index is a value: the log density written out here.
    @Test func loopsFromAConstantAreVectorised() throws {
        let k = [1, 0, 3, 2, 5, 1], y = [0.1, 0.5, -0.3, 1.2, 0.4, 0.0], mu = [0.1, 0.2, -0.3, 0.4, 0.5, -0.6], s = 0.7
        let stan = try stanReference("""
            data { int N; array[N] int k; vector[N] y; }
            parameters { vector[N] mu; real<lower=0> s; }
            model {
              s ~ lognormal(0, 1);
              mu[1] ~ normal(0, 1);
              for (t in 2:N) mu[t] ~ normal(mu[t - 1], s);
              for (t in 3:N) { k[t] ~ poisson_log(mu[t - 2] * 0.5 + t * 0.01); y[t] ~ normal(mu[t], 1); }
              for (n in 1:(N - 1)) k[n] ~ poisson(exp(mu[n + 1]));
            }
            """, DataSet(["N": .integer(6), "k": .integers(k), "y": .vector(y)], source: "test"))
        func normal(_ x: Double, _ m: Double, _ sd: Double) -> Double { -0.5 * pow((x - m) / sd, 2) - log(sd) - 0.5 * log(2 * Double.pi) }
        func poisson(_ n: Int, logRate: Double) -> Double { Double(n) * logRate - exp(logRate) - lgamma(Double(n) + 1) }
        var lp = normal(log(s), 0, 1) + normal(mu[0], 0, 1)   // lognormal(s) with its Jacobian: normal(log s) − log s + log s
        for t in 1..<6 { lp += normal(mu[t], mu[t - 1], s) }
        for t in 2..<6 { lp += poisson(k[t], logRate: mu[t - 2] * 0.5 + Double(t + 1) * 0.01) + normal(y[t], mu[t], 1) }
        for n in 0..<5 { lp += poisson(k[n], logRate: mu[n + 1]) }
        let u = mu + [log(s)]
        #expect(abs(stan.logDensity(u) - lp) < 1e-10, "\(stan.logDensity(u)) against \(lp)")
        #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
        // With fewer rows than the loop's start (N = 0 or 1) it adds nothing, as Stan's loop.
        let short = "data { int N; vector[N] y; } parameters { real m; } model { m ~ normal(0, 1); for (t in 2:N) y[t] ~ normal(y[t - 1] + m, 1); }"
        for n in [0, 1] {
            let model = try stanReference(short, DataSet(["N": .integer(n), "y": .vector(Array(repeating: 0.5, count: n))], source: "test"))
            #expect(abs(model.logDensity([0.3]) - normal(0.3, 0, 1)) < 1e-12, "N = \(n)")
        }
    }

    /// Integer arithmetic on the loop index (`s[(t - 1) % 7 + 1]`, a day-of-week effect; `t % 2`,
    /// `t / 3`, `n > 4`) is data computed per row: an index, a value, a factor of a count's rate.
    @Test func integerArithmeticOnTheIndexIsDataPerRow() throws {
        let y = [0.3, -1.2, 0.8, 0.1, 2.0, -0.4, 0.9, 1.1, -0.7, 0.2], k = [1, 0, 2, 1, 3, 0, 1, 2, 1, 0]
        let s = [0.1, -0.2, 0.3, 0.05, -0.1, 0.2, 0.0], mu = 0.4
        let stan = try stanReference("""
            data { int N; vector[N] y; array[N] int k; }
            parameters { vector[7] s; real mu; }
            model {
              s ~ normal(0, 1); mu ~ normal(0, 1);
              for (t in 1:N) y[t] ~ normal(mu + s[(t - 1) % 7 + 1] + 0.1 * (t % 2) + 0.01 * (t / 3), 1);
              for (n in 1:N) k[n] ~ poisson_log(mu * (n > 4));
            }
            """, DataSet(["N": .integer(10), "y": .vector(y), "k": .integers(k)], source: "test"))
        func normal(_ x: Double, _ m: Double) -> Double { -0.5 * (x - m) * (x - m) - 0.5 * log(2 * Double.pi) }
        var lp = s.map { normal($0, 0) }.reduce(0, +) + normal(mu, 0)
        for t in 1...10 {
            lp += normal(y[t - 1], mu + s[(t - 1) % 7] + 0.1 * Double(t % 2) + 0.01 * Double(t / 3))
            let rate = mu * (t > 4 ? 1 : 0)
            lp += Double(k[t - 1]) * rate - exp(rate) - lgamma(Double(k[t - 1]) + 1)
        }
        let u = s + [mu]
        #expect(abs(stan.logDensity(u) - lp) < 1e-10, "\(stan.logDensity(u)) against \(lp)")
        #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
    }
}
