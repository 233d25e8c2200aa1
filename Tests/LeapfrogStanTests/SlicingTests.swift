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

/// Range and omitted-index slicing, segment/head/tail, infinities, reject, dirichlet, and data
/// as CmdStan writes it.
@Suite struct SlicingTests {
    @Test func slicesSelectTheRightElements() throws {
        let source = """
        data { int<lower=1> N; vector[N] v; matrix[3, N] A; int k; }
        parameters { real x; }
        model { x ~ normal(0, 1); }
        generated quantities {
          vector[N - 1] rest = v[2:N];
          vector[N - 1] lead = v[1:(N - 1)];
          vector[N - 1] diff = v[2:N] - v[1:(N - 1)];
          vector[2] mid = v[2:3];
          vector[N] all = v[:];
          vector[N - 2] from3 = v[3:];
          vector[2] upto2 = v[:2];
          vector[3] colk = A[, k];
          row_vector[N] row2 = A[2];
          vector[N] row2t = A[2, :]';
          matrix[2, N] rows23 = A[2:3, ];
          matrix[3, 2] cols = A[:, 2:3];
          vector[2] seg = segment(v, 2, 2);
          vector[3] hd = head(v, 3);
          vector[2] tl = tail(v, 2);
          real s = sum(v[k:N]);
          array[2, 3] real filled = rep_array(x, 2, 3);
          matrix[2, 2] shaped = to_matrix(v[2:5], 2, 2);
        }
        """
        let v = [1.0, 4, 9, 16, 25]
        let a = [[1.0, 2, 3, 4, 5], [6.0, 7, 8, 9, 10], [11.0, 12, 13, 14, 15]]
        let data = DataSet(["N": .integer(5), "v": .vector(v), "A": .matrix(rows: a), "k": .integer(2)])
        let stan = try stanReference(source, data)
        let d = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues([0.3])))
        func expectValues(_ name: String, _ expected: [Double], _ names: [String]? = nil) {
            let got = (names ?? (1...expected.count).map { "\(name)[\($0)]" }).map { d[$0] ?? .nan }
            #expect(got == expected, "\(name): \(got) vs \(expected)")
        }
        expectValues("rest", [4, 9, 16, 25])
        expectValues("lead", [1, 4, 9, 16])
        expectValues("diff", [3, 5, 7, 9])
        expectValues("mid", [4, 9])
        expectValues("all", v)
        expectValues("from3", [9, 16, 25])
        expectValues("upto2", [1, 4])
        expectValues("colk", [2, 7, 12])
        expectValues("row2", a[1])
        expectValues("row2t", a[1])
        expectValues("rows23", a[1] + a[2], (1...2).flatMap { i in (1...5).map { "rows23[\(i),\($0)]" } })
        expectValues("cols", [2, 3, 7, 8, 12, 13], (1...3).flatMap { i in (2...3).map { "cols[\(i),\($0 - 1)]" } })
        expectValues("seg", [4, 9])
        expectValues("hd", [1, 4, 9])
        expectValues("tl", [16, 25])
        #expect(d["s"] == 54)
        #expect(d["filled[2,3]"] == 0.3 && d["filled[1,1]"] == 0.3)
        expectValues("shaped", [4, 16, 9, 25], ["shaped[1,1]", "shaped[1,2]", "shaped[2,1]", "shaped[2,2]"])  // column-major
    }

    /// A sliding window of constant width, `s[t - 3 : t - 1]` (posteriordb's seasonal state-space
    /// model), is its elements written out: in a recurrence (a loop from 4), in a vectorised loop
    /// (`s[n : n + 2]`, a dot product with weights), and of a data array. An empty window is named;
    /// one that starts before the first row is named when the data are read.
    @Test func slidingWindowsAreTheirElements() throws {
        let header = "data { int N; vector[N] y; array[N] real z; }\nparameters { vector[N] s; real<lower=0> sigma; }\n"
        let windows = header + """
        model {
          sigma ~ lognormal(0, 1);
          s[1:3] ~ normal(0, 1);
          for (t in 4:N) s[t] ~ normal(-sum(s[t - 3 : t - 1]), sigma);
          for (n in 1:(N - 2)) y[n + 2] ~ normal(dot_product([0.5, 0.3, 0.2]', s[n : n + 2]), sigma);
          for (n in 1:(N - 1)) target += -square(sum(z[n : n + 1]) - s[n + 1]);
        }
        """
        let written = header + """
        model {
          sigma ~ lognormal(0, 1);
          s[1:3] ~ normal(0, 1);
          for (t in 4:N) s[t] ~ normal(-(s[t - 3] + s[t - 2] + s[t - 1]), sigma);
          for (n in 1:(N - 2)) y[n + 2] ~ normal(0.5 * s[n] + 0.3 * s[n + 1] + 0.2 * s[n + 2], sigma);
          for (n in 1:(N - 1)) target += -square(z[n] + z[n + 1] - s[n + 1]);
        }
        """
        let data = DataSet(["N": .integer(7), "y": .vector([0.5, -1, 2, 0.3, 1.1, -0.4, 0.9]),
                            "z": .vector([0.2, 0.1, -0.3, 0.8, 0.4, -1, 0.6])], source: "test")
        expectEquivalent(try stanReference(windows, data), try stanReference(written, data))
        #expect(compileError(header + "model { for (t in 4:N) s[t] ~ normal(sum(s[t - 1 : t - 3]), sigma); }")
            .contains("error: this window is empty (-1 elements)"))
        #expect(compileError(header + "model { for (t in 4:N) s[t] ~ normal(sum(s[(t - N + 2):(t - 1)]), sigma); }")
            .contains("error: a window inside the loop over t needs a constant width"))
        let early = try StanProgram.compile(source: header + "model { for (n in 1:N) y[n] ~ normal(sum(s[n - 1 : n]), sigma); }", path: "m.stan")
        let message = errorMessage { _ = try early.instantiate(data: data) }
        #expect(message.contains("the range 0:6 starts below 1"), "\(message)")
    }

    /// `row(m, i)` and `col(m, j)` are `m[i]` and `m[:, j]`, also where a loop fills m row by row
    /// and reads the row it filled (ARM's radon model with a Wishart prior: it had been refused as
    /// a read of all of m).
    @Test func rowAndColAreTheirIndexing() throws {
        let data = DataSet(["J": .integer(3), "y": .vector([0.4, -1, 2.5]), "z": .vector([1, 2, 3])], source: "test")
        func program(_ read: String, _ column: String) -> String {
            """
            data { int J; vector[J] y; vector[J] z; }
            parameters { real mu; real<lower=0> s; }
            model {
              matrix[J, 2] B;
              matrix[2, J] C = [z', z' + mu];
              for (j in 1:J) {
                B[j, 1] = mu;
                B[j, 2] = 2 * mu;
                y[j] ~ normal(sum(\(read)), s);
              }
              target += 0.1 * sum(\(column));
            }
            """
        }
        expectEquivalent(try stanReference(program("row(B, j)", "col(C, 2)"), data), try stanReference(program("B[j]", "C[:, 2]"), data))
    }

    @Test func aDifferenceOfSlicesIsDifferentiable() throws {
        // A random walk written with slices: y[2:N] ~ normal(y[1:(N - 1)], sigma).
        let source = """
        data { int<lower=2> N; }
        parameters { vector[N] y; real<lower=0> sigma; }
        model { sigma ~ normal(0, 1); y[1] ~ normal(0, 1); y[2:N] ~ normal(y[1:(N - 1)], sigma); }
        """
        let stan = try stanReference(source, DataSet(["N": .integer(6)]))
        var rng = TestRandom(seed: 3)
        let u = rng.vector(7)
        let y = Array(u[0..<6]), sigma = exp(u[6])
        var expected = -0.5 * y[0] * y[0] - 0.5 * sigma * sigma + u[6]
        for t in 1..<6 {
            let z = (y[t] - y[t - 1]) / sigma
            expected += -0.5 * z * z - log(sigma)
        }
        let constant = stan.logDensity([Double](repeating: 0, count: 7)) - (-0.5 * 1.0)  // at u = 0: sigma = 1
        #expect(abs(stan.logDensity(u) - constant - expected) < 1e-9)
        #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
    }

    @Test func infinitiesAndReject() throws {
        let source = """
        data { int flag; }
        parameters { real x; }
        model {
          x ~ normal(0, 1);
          if (flag == 1) reject("flag is set: ", flag);
        }
        generated quantities { real lo = negative_infinity(); real hi = positive_infinity(); real nan = not_a_number(); }
        """
        let off = try stanReference(source, DataSet(["flag": .integer(0)]))
        #expect(off.logDensity([0.5]).isFinite)
        let d = off.derivedValues([0.5])
        #expect(d[0] == -.infinity && d[1] == .infinity && d[2].isNaN)
        let on = try stanReference(source, DataSet(["flag": .integer(1)]))
        #expect(on.logDensity([0.5]) == -.infinity)
    }

    @Test func dirichletDropsOnlyAConstant() throws {
        let source = """
        data { int<lower=1> K; vector<lower=0>[K] alpha; }
        parameters { vector<lower=0, upper=1>[K] p; }
        model { p ~ dirichlet(alpha); }
        """
        let alpha = [0.5, 2, 3]
        let stan = try stanReference(source, DataSet(["K": .integer(3), "alpha": .vector(alpha)]))
        func lp(_ u: [Double]) -> Double {
            let p = u.map { 1 / (1 + exp(-$0)) }
            return zip(alpha, p).map { ($0 - 1) * log($1) }.reduce(0, +) + u.map { -log1p(exp(-$0)) - log1p(exp($0)) }.reduce(0, +)
        }
        let (u0, u1) = ([0.1, -0.3, 0.7], [1.2, 0.4, -0.9])
        #expect(abs((stan.logDensity(u1) - stan.logDensity(u0)) - (lp(u1) - lp(u0))) < 1e-9)
        #expect(GradientCheck.worstRelativeError(stan, at: u1) < GradientCheck.tolerance)
        // A parameter-dependent concentration keeps the constant (DirichletConcentrationTests).
        let paramAlpha = "parameters { vector<lower=0, upper=1>[3] p; vector<lower=0>[3] a; } model { p ~ dirichlet(a); }"
        #expect(compileError(paramAlpha) == "")
    }

    @Test func dataAsCmdStanWritesIt() throws {
        // posteriordb's inputs write whole numbers without a decimal point (vector data read as
        // integers) and carry fields the program does not declare; both are accepted.
        let json = #"{"N": 3, "y": [1, 2, 4], "unused": [7, 8], "year": 1972}"#
        let data = try StanJSON.parse(json, source: "cmdstan.json")
        let source = """
        data { int<lower=0> N; vector[N] y; }
        parameters { real mu; }
        model { y ~ normal(mu, 1); }
        """
        let stan = try stanReference(source, data)
        let expected = -0.5 * [1.0, 2, 4].map { ($0 - 0.5) * ($0 - 0.5) }.reduce(0, +) - 1.5 * log(2 * Double.pi)
        #expect(abs(stan.logDensity([0.5]) - expected) < 1e-12)
    }
}

/// Rewrites that posteriordb's programs need: per-row normal densities inside log_mix, the GLM
/// densities, and cumulative distribution functions of constants.
@Suite struct PosteriorDBRewriteTests {
    /// A per-row scalar combined with a vector inside a vectorised loop (the User's Guide's
    /// K-component mixture, `log_sum_exp(log(theta) - 0.5 * square((y[n] - mu) ./ sigma) - …)`;
    /// `y[n] * w`): each row against the whole vector, as the unrolled sums by hand.
    @Test func aRowScalarCombinesWithAVector() throws {
        let data = DataSet(["N": .integer(6), "y": .vector([-2, -1.5, 0.3, 1, 2, 2.5])])
        let vectorised = """
        data { int<lower=0> N; vector[N] y; }
        parameters { simplex[2] theta; ordered[2] mu; vector<lower=0>[2] sigma; vector[3] w; }
        model {
          w ~ normal(0, 1);
          for (n in 1:N) {
            target += log_sum_exp(log(theta) - log(sigma) - 0.5 * square((y[n] - mu) ./ sigma));
            target += -0.5 * dot_self(y[n] * w + 1 - w);
          }
        }
        """
        let byHand = """
        data { int<lower=0> N; vector[N] y; }
        parameters { simplex[2] theta; ordered[2] mu; vector<lower=0>[2] sigma; vector[3] w; }
        model {
          w ~ normal(0, 1);
          for (n in 1:N) {
            target += log_mix(theta[1], normal_lpdf(y[n] | mu[1], sigma[1]), normal_lpdf(y[n] | mu[2], sigma[2]));
          }
          for (n in 1:N) {
            for (k in 1:3) target += -0.5 * square(y[n] * w[k] + 1 - w[k]);
          }
        }
        """
        expectEquivalent(try stanReference(vectorised, data), try stanReference(byHand, data))
        // posteriordb's irt_2pl: a per-row scalar times a per-row vector (it built a graph whose
        // shapes did not broadcast).
        let irtData = DataSet(["I": .integer(3), "J": .integer(4),
                               "y": DataArray(shape: [3, 4], values: [1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0], isInteger: true)])
        let irt = """
        data { int<lower=0> I; int<lower=0> J; array[I, J] int<lower=0, upper=1> y; }
        parameters { vector[J] theta; vector<lower=0>[I] a; vector[I] b; }
        model {
          theta ~ normal(0, 1); a ~ lognormal(0, 1); b ~ normal(0, 2);
          for (i in 1:I) y[i] ~ bernoulli_logit(a[i] * (theta - b[i]));
        }
        """
        let irtByHand = irt.replacingOccurrences("for (i in 1:I) y[i] ~ bernoulli_logit(a[i] * (theta - b[i]));",
                                                 "for (i in 1:I) for (j in 1:J) y[i, j] ~ bernoulli_logit(a[i] * (theta[j] - b[i]));")
        expectEquivalent(try stanReference(irt, irtData), try stanReference(irtByHand, irtData))
    }

    /// posteriordb's LDA likelihood: a vector declared per row, filled by an inner loop over the
    /// topics (`gamma[k] = log(theta[doc[n], k]) + log(phi[k, w[n]])`), then `log_sum_exp`:
    /// the two-topic sum written out (it was refused, and `phi[k, w[n]]` gathered the wrong axis).
    @Test func aVectorFilledPerRowByAnInnerLoop() throws {
        let data = DataSet(["K": .integer(2), "V": .integer(3), "M": .integer(2), "N": .integer(5),
                            "w": .integers([1, 3, 2, 3, 1]), "doc": .integers([1, 1, 2, 2, 2]),
                            "alpha": .vector([1, 1]), "beta": .vector([1, 1, 1])])
        let header = """
        data { int<lower=2> K; int<lower=2> V; int<lower=1> M; int<lower=1> N; array[N] int<lower=1, upper=V> w;
               array[N] int<lower=1, upper=M> doc; vector<lower=0>[K] alpha; vector<lower=0>[V] beta; }
        parameters { array[M] simplex[K] theta; array[K] simplex[V] phi; }
        """
        let looped = header + """
        model {
          for (m in 1:M) theta[m] ~ dirichlet(alpha);
          for (k in 1:K) phi[k] ~ dirichlet(beta);
          for (n in 1:N) {
            array[K] real gamma;
            for (k in 1:K) gamma[k] = log(theta[doc[n], k]) + log(phi[k, w[n]]);
            target += log_sum_exp(gamma);
          }
        }
        """
        let byHand = header + """
        model {
          for (m in 1:M) theta[m] ~ dirichlet(alpha);
          for (k in 1:K) phi[k] ~ dirichlet(beta);
          for (n in 1:N)
            target += log_sum_exp(log(theta[doc[n], 1]) + log(phi[1, w[n]]), log(theta[doc[n], 2]) + log(phi[2, w[n]]));
        }
        """
        expectEquivalent(try stanReference(looped, data), try stanReference(byHand, data))
        // ldaK5's form: the topics' loop over a constant range (unrolled, element by element).
        let constant = looped.replacingOccurrences("array[K] real gamma;", "array[2] real gamma;")
            .replacingOccurrences("for (k in 1:K) gamma[k]", "for (k in 1:2) gamma[k]")
        expectEquivalent(try stanReference(constant, data), try stanReference(byHand, data))
    }

    /// `K[n, n]` in `for (n in 1:N)`: read, the diagonal row by row; written
    /// (`K[n, n] = K[n, n] + s`, `K[n, n] += s`, a GP's jitter), the diagonal replaced: the model
    /// with `add_diag` and `diagonal` by hand.
    @Test func aMatrixDiagonalInAVectorisedLoop() throws {
        let data = DataSet(["N": .integer(4), "x": .vector([-1.2, 0.1, 0.9, 2.2]), "y": .vector([0.3, -0.4, 1.1, 0.8])])
        let header = "data { int<lower=1> N; array[N] real x; vector[N] y; }\nparameters { real<lower=0> rho; real<lower=0> alpha; real<lower=0> sigma; }\n"
        let priors = "rho ~ inv_gamma(5, 5); alpha ~ std_normal(); sigma ~ std_normal();"
        let looped = header + """
        model {
          matrix[N, N] K = gp_exp_quad_cov(x, alpha, rho);
          real s = square(sigma);
          for (n in 1:N) K[n, n] = K[n, n] + s;
          for (n in 1:N) K[n, n] += 0.01;
          for (n in 1:N) target += -0.1 * K[n, n];
          \(priors)
          y ~ multi_normal_cholesky(rep_vector(0, N), cholesky_decompose(K));
        }
        """
        let byHand = header + """
        model {
          matrix[N, N] K = add_diag(add_diag(gp_exp_quad_cov(x, alpha, rho), square(sigma)), 0.01);
          target += -0.1 * (N * square(alpha) + N * square(sigma) + N * 0.01);
          \(priors)
          y ~ multi_normal_cholesky(rep_vector(0, N), cholesky_decompose(K));
        }
        """
        expectEquivalent(try stanReference(looped, data), try stanReference(byHand, data))
    }

    @Test func perRowNormalDensitiesInsideLogMix() throws {
        let mixture = """
        data { int<lower=0> N; vector[N] y; }
        parameters { ordered[2] mu; array[2] real<lower=0> sigma; real<lower=0, upper=1> theta; }
        model {
          for (n in 1:N)
            target += log_mix(theta, normal_lpdf(y[n] | mu[1], sigma[1]), normal_lpdf(y[n] | mu[2], sigma[2]));
        }
        """
        let byHand = """
        data { int<lower=0> N; vector[N] y; }
        parameters { vector[2] mu__free; array[2] real<lower=0> sigma; real<lower=0, upper=1> theta; }
        model {
          real mu1 = mu__free[1];
          real mu2 = mu__free[1] + exp(mu__free[2]);
          vector[N] a = log(theta) - 0.5 * square((y - mu1) / sigma[1]) - log(sigma[1]);
          vector[N] b = log1m(theta) - 0.5 * square((y - mu2) / sigma[2]) - log(sigma[2]);
          target += mu__free[2];
          for (n in 1:N) target += log_sum_exp(a[n], b[n]);
        }
        """
        let data = DataSet(["N": .integer(9), "y": .vector([-2, -1.5, -1, 0, 0.3, 1, 2, 2.5, 3])])
        expectEquivalent(try stanReference(mixture, data), try stanReference(byHand, data))
        let other = "data { int N; vector[N] y; } parameters { real<lower=0, upper=1> t; } model { for (n in 1:N) target += log_mix(t, uniform_lpdf(y[n] | -9, 9), normal_lpdf(y[n] | 0, 1)); }"
        #expect(compileError(other).contains("log_mix takes per-row log densities with scalar arguments from normal"))
    }

    @Test func glmDensitiesAndConstantCDFs() throws {
        let glm = """
        data { int<lower=0> N; int<lower=0> D; matrix[N, D] X; vector[N] y; }
        parameters { real alpha; vector[D] beta; real<lower=0> sigma; }
        model {
          target += student_t_lpdf(sigma | 3, 0, 10) - 1 * student_t_lccdf(0 | 3, 0, 10);
          target += normal_id_glm_lpdf(y | X, alpha, beta, sigma);
        }
        """
        let plain = """
        data { int<lower=0> N; int<lower=0> D; matrix[N, D] X; vector[N] y; }
        parameters { real alpha; vector[D] beta; real<lower=0> sigma; }
        model { sigma ~ student_t(3, 0, 10); y ~ normal(alpha + X * beta, sigma); }
        """
        let data = regressionData(n: 10, d: 2, seed: 12)
        expectEquivalent(try stanReference(glm, data), try stanReference(plain, data))
        #expect(compileError("parameters { real x; } model { target += skew_normal_lcdf(x | 0, 1, 2); }")
            .contains("the cumulative distribution function skew_normal_lcdf is not supported yet"))
    }
}

/// Element assignments with constant indices (brms writes `vsdgp_1[1] = sdgp_1;`), `dims(x)[k]`,
/// `dot_self`, and terms under `if` on data resolved when the model meets its data.
@Suite struct ElementAssignmentTests {
    @Test func constantIndexAssignmentsBuildTheWholeValue() throws {
        let pieces = """
        parameters { real a; real b; vector[2] r; }
        transformed parameters {
          vector[3] v;
          array[2] vector[2] rows;
          matrix[2, 2] m;
          v[1] = a; v[3] = b; v[2] = a + b;
          rows[1] = r; rows[2] = 2 * r;
          m[1, 1] = a; m[2, 2] = b; m[1, 2] = 0; m[2, 1] = 0;
        }
        model { a ~ normal(0, 1); b ~ normal(0, 1); r ~ normal(0, 1); }
        generated quantities { int d = dims(rows)[2]; real s = dot_self(v); }
        """
        let m = try stanReference(pieces, DataSet([:]))
        let u = [0.5, -1.5, 2, 3]
        let d = Dictionary(uniqueKeysWithValues: zip(m.model.derivedElementNames, m.derivedValues(u)))
        #expect([d["v[1]"], d["v[2]"], d["v[3]"]] == [0.5, -1, -1.5])
        #expect([d["rows[1,1]"], d["rows[1,2]"], d["rows[2,1]"], d["rows[2,2]"]] == [2, 3, 4, 6])
        #expect([d["m[1,1]"], d["m[1,2]"], d["m[2,1]"], d["m[2,2]"]] == [0.5, 0, 0, -1.5])
        #expect(d["d"] == 2)
        #expect(d["s"] == 0.25 + 1 + 2.25)
        #expect(GradientCheck.worstRelativeError(m, at: u) < GradientCheck.tolerance)
    }

    @Test func termsUnderDataConditionsAreResolvedAtBinding() throws {
        let source = """
        data { int<lower=0, upper=1> prior_only; int<lower=0> N; vector[N] y; }
        parameters { real mu; }
        model {
          mu ~ normal(0, 10);
          if (!prior_only) { target += normal_lpdf(y | mu, 1); } else { target += normal_lpdf(mu | 3, 1); }
        }
        """
        let model = try StanProgram.compile(source: source)
        for flag in [0, 1] {
            let data = DataSet(["prior_only": .integer(flag), "N": .integer(3), "y": .vector([1, 2, 3])])
            let (graph, prepared) = try model.instantiate(data: data)
            #expect(graph.terms.count == 2, "one prior and one of the two branches")
            #expect(!graph.terms.contains { graph.nodes[$0.node].op == .multiply }, "no term is scaled by a 0/1 flag")
            let m = try ReferenceModel(graph: graph, data: prepared)
            let x = 0.7
            let expected = flag == 0
                ? [1.0, 2, 3].map { -0.5 * ($0 - x) * ($0 - x) }.reduce(0, +) - 1.5 * log(2 * Double.pi)
                : -0.5 * (x - 3) * (x - 3) - 0.5 * log(2 * Double.pi)
            let prior = -0.5 * (x / 10) * (x / 10) - log(10) - 0.5 * log(2 * Double.pi)
            #expect(abs(m.logDensity([x]) - prior - expected) < 1e-12)
        }
    }
}

/// Densities of a simplex: categorical (as categorical_logit of log θ) and the multinomial.
@Suite struct SimplexDensityTests {
    @Test func categoricalAndMultinomial() throws {
        let source = """
        data { array[4] int y; array[3] int counts; }
        parameters { simplex[3] theta; vector[3] eta; }
        model { y ~ categorical(theta); counts ~ multinomial(theta); counts ~ multinomial_logit(eta); eta ~ normal(0, 1); }
        """
        let byHand = """
        data { array[4] int y; array[3] int counts; }
        parameters { simplex[3] theta; vector[3] eta; }
        model {
          for (n in 1:4) target += log(theta[y[n]]);
          target += dot_product(to_vector(counts), log(theta)) + dot_product(to_vector(counts), log_softmax(eta));
          eta ~ normal(0, 1);
        }
        """
        let data = DataSet(["y": .integers([1, 3, 3, 2]), "counts": .integers([2, 0, 5])])
        expectEquivalent(try stanReference(source, data), try stanReference(byHand, data))
    }
}
