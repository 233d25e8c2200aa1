import Foundation
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// The review's cases for the vectorised loops, CDFs and truncation: equal extents (N == K, where
/// a wrong axis would still broadcast), an `if` around an inner loop, constant CDF calls, a
/// truncation at the edge of a family's support, and what must be refused.
@Suite struct VectorisedLoopEdgeTests {
    static let data = DataSet(["N": .integer(3), "K": .integer(3), "y": .vector([0.4, -1.1, 2.0]), "x0": .scalar(0.7),
                               "w": .vector([0.2, 0.5, 0.3]), "z": .vector([1.5, 0.6, 2.2]), "use_t": .integer(1)],
                              source: "test")
    static let header = """
    data { int N; int K; vector[N] y; real x0; simplex[K] w; vector<lower=0>[N] z; int use_t; }
    parameters { vector[K] mu; real<lower=0> s; vector[K] theta; vector[N] b; }

    """
    static let priors = "mu ~ normal(0, 1); s ~ lognormal(0, 1); theta ~ normal(0, 1); b ~ normal(0, 1);"

    /// `lp[k] = log(w[k]) + normal_lpdf(x0 | mu[k], s)`: a density of the inner index alone per
    /// element (it copied the sum over k into every element), `(theta - b[n]) / s` and an lcdf of
    /// a row against the inner index, each as the loops unrolled by hand.
    @Test func equalExtentsAgreeWithTheLoopsByHand() throws {
        let looped = Self.header + """
        model {
          \(Self.priors)
          for (n in 1:N) {
            vector[K] lp;
            for (k in 1:K) lp[k] = log(w[k]) + normal_lpdf(x0 | mu[k], s);
            target += log_sum_exp(lp);
            target += -0.5 * dot_self((theta - b[n]) / z[n]);
            for (k in 1:K) target += normal_lcdf(y[n] | mu[k], s);
          }
        }
        """
        let byHand = Self.header + """
        model {
          \(Self.priors)
          for (n in 1:N) {
            target += log_sum_exp({log(w[1]) + normal_lpdf(x0 | mu[1], s), log(w[2]) + normal_lpdf(x0 | mu[2], s),
                                   log(w[3]) + normal_lpdf(x0 | mu[3], s)});
            for (k in 1:3) target += -0.5 * square((theta[k] - b[n]) / z[n]);
            for (k in 1:3) target += normal_lcdf(y[n] | mu[k], s);
          }
        }
        """
        expectEquivalent(try stanReference(looped, Self.data), try stanReference(byHand, Self.data))
    }

    /// Constant CDF calls are computed (a dropped one inside log_diff_exp made the target +∞,
    /// and `normal_cdf` of constants was 0); a positive family truncated at 0 is itself, with a
    /// finite gradient (0 · ∞ before).
    /// A row of reals per row beside a real per row (BUGS' dyes: `y[n] ~ normal(mu[n], s)` with y
    /// an array[N, K] of reals), in value and gradient the loop over both indices, where a vector
    /// row had been repeated along the row but an array row had met the rows unwidened.
    @Test func aRowOfRealsBesideARealPerRow() throws {
        let data = DataSet(["N": .integer(3), "K": .integer(2), "y": .matrix(rows: [[0.5, 1.2], [-0.3, 0.8], [2.1, 1.7]])], source: "test")
        let head = "data { int N; int K; array[N, K] real y; } parameters { vector[N] mu; real<lower=0> s; }\n"
        let rows = head + "model { mu ~ normal(0, 1); s ~ lognormal(0, 1); for (n in 1:N) y[n] ~ normal(mu[n], s); }"
        let cells = head + "model { mu ~ normal(0, 1); s ~ lognormal(0, 1); for (n in 1:N) for (k in 1:K) y[n, k] ~ normal(mu[n], s); }"
        expectEquivalent(try stanReference(rows, data), try stanReference(cells, data))
    }

    /// A matrix's column per row (knitr's neural nets: `y[n] ~ categorical_logit(v[:, n])`; by
    /// data, `B[:, g[n]]`): the rows of the transpose, as the transpose's rows written out.
    @Test func aColumnPerRow() throws {
        let data = DataSet(["N": .integer(4), "K": .integer(3), "y": .integers([1, 3, 2, 3]), "g": .integers([2, 1, 2, 2])], source: "test")
        let head = "data { int N; int K; array[N] int y; array[N] int g; } parameters { matrix[K, N] v; matrix[K, 2] B; }\n"
        let columns = head + """
        model {
          to_vector(v) ~ normal(0, 1);
          to_vector(B) ~ normal(0, 1);
          for (n in 1:N) y[n] ~ categorical_logit(v[:, n]);
          for (n in 1:N) y[n] ~ categorical_logit(2 * B[:, g[n]]);
        }
        """
        let rows = head + """
        model {
          matrix[N, K] vt = v';
          matrix[2, K] Bt = B';
          to_vector(v) ~ normal(0, 1);
          to_vector(B) ~ normal(0, 1);
          for (n in 1:N) y[n] ~ categorical_logit(vt[n]');
          for (n in 1:N) y[n] ~ categorical_logit(2 * Bt[g[n]]');
        }
        """
        expectEquivalent(try stanReference(columns, data), try stanReference(rows, data))
    }

    @Test func constantCDFsAndTruncationAtTheSupportsEdge() throws {
        let constant = Self.header + "model { \(Self.priors) target += log_diff_exp(normal_lcdf(10 | 0, 5), normal_lcdf(0 | 0, 5)) + log(normal_cdf(0.5 | 0, 1)); }"
        let plain = Self.header + "model { \(Self.priors) }"
        let a = try stanReference(constant, Self.data), b = try stanReference(plain, Self.data)
        let u = [Double](repeating: 0.2, count: a.dimension)
        let expected = NormalDistributionFunctionValues.logDiff + NormalDistributionFunctionValues.logPhiHalf
        #expect(abs((a.logDensity(u) - b.logDensity(u)) - expected) < 1e-12, "\(a.logDensity(u) - b.logDensity(u)) vs \(expected)")
        let truncated = try stanReference(Self.header + "model { \(Self.priors) z ~ lognormal(mu[1], s) T[0, ]; }", Self.data)
        let whole = try stanReference(Self.header + "model { \(Self.priors) z ~ lognormal(mu[1], s); }", Self.data)
        expectEquivalent(truncated, whole)
    }

    /// The User's Guide's K-component mixture as written there: `vector[K] lps = log_theta;
    /// for (k in 1:K) lps[k] += normal_lpdf(y[n] | mu[k], sigma[k]);` (a compound assignment in the
    /// inner loop, over data K and over a constant range), against log_mix by hand.
    @Test func theUsersGuideMixtureAsWritten() throws {
        let data = DataSet(["K": .integer(2), "N": .integer(4), "y": .vector([-1.2, 0.4, 2.2, 1.9])], source: "test")
        let mixture = """
        data { int<lower=1> K; int<lower=1> N; array[N] real y; }
        parameters { simplex[K] theta; ordered[K] mu; vector<lower=0>[K] sigma; }
        model {
          vector[K] log_theta = log(theta);
          sigma ~ lognormal(0, 2);
          mu ~ normal(0, 10);
          for (n in 1:N) {
            vector[K] lps = log_theta;
            for (k in 1:K) lps[k] += normal_lpdf(y[n] | mu[k], sigma[k]);
            target += log_sum_exp(lps);
          }
        }
        """
        let byHand = mixture.replacingOccurrences("""
            vector[K] lps = log_theta;
            for (k in 1:K) lps[k] += normal_lpdf(y[n] | mu[k], sigma[k]);
            target += log_sum_exp(lps);
        """, "    target += log_mix(theta[1], normal_lpdf(y[n] | mu[1], sigma[1]), normal_lpdf(y[n] | mu[2], sigma[2]));")
        #expect(byHand != mixture)
        let reference = try stanReference(byHand, data)
        expectEquivalent(try stanReference(mixture, data), reference)
        let constant = mixture.replacingOccurrences("vector[K] lps", "vector[2] lps").replacingOccurrences("for (k in 1:K) lps", "for (k in 1:2) lps")
        expectEquivalent(try stanReference(constant, data), reference)
    }

    /// The User's Guide's hierarchical logistic regression as written there: `beta[l, d]` in an
    /// inner loop over l inside a loop over d (the inner index on the first dimension, the outer on
    /// the second), and `x[n] * beta[ll[n]]` (a row times a per-row vector), against the model
    /// written with whole vectors; with L ≠ D and with L = D (where a wrong axis would broadcast).
    @Test(arguments: [(2, 3), (3, 3)])
    func theUsersGuideHierarchicalLogisticRegressionAsWritten(d: Int, l: Int) throws {
        let header = """
        data { int<lower=1> D; int<lower=0> N; int<lower=1> L; array[N] int<lower=0, upper=1> y;
               array[N] int<lower=1, upper=L> ll; array[N] row_vector[D] x; }
        parameters { array[D] real mu; array[D] real<lower=0> sigma; array[L] vector[D] beta; }

        """
        let asWritten = StanFixtures.hierarchicalLogisticRegression
        let whole = header + """
        model {
          mu ~ normal(0, 100);
          for (k in 1:L) beta[k] ~ normal(to_vector(mu), to_vector(sigma));
          for (n in 1:N) y[n] ~ bernoulli_logit(dot_product(x[n], beta[ll[n]]));
        }
        """
        var rng = TestRandom(seed: 12)
        let n = 9
        let data = DataSet(["D": .integer(d), "N": .integer(n), "L": .integer(l), "y": .integers((0..<n).map { $0 % 2 }),
                            "ll": .integers((0..<n).map { $0 % l + 1 }), "x": .matrix(rows: (0..<n).map { _ in rng.vector(d, -1, 1) })],
                           source: "test")
        expectEquivalent(try stanReference(asWritten, data), try stanReference(whole, data))
    }

    /// Inside a loop nested in a vectorised one, Stan runs each statement at every (n, j): a term
    /// that reads neither index, or only the outer one, counts J times per row (it counted once),
    /// one of the inner index only N times (it stopped at a term of the wrong shape); `?:` on a
    /// shared parameter chooses once, on the indices per cell. Against the sum written out.
    @Test func termsInANestedLoopCountAtEveryStep() throws {
        let model = try stanReference("""
        data { int N; int J; }
        parameters { real a; vector[N] b; vector[J] c; }
        model {
          for (n in 1:N)
            for (j in 1:J) {
              a ~ normal(0, 1);
              b[n] ~ normal(a > 0.5 ? 1 : 0, 1);
              target += c[j] + b[n] * c[j];
              target += a > 0.5 ? b[n] : 0;
              target += j < n ? b[n] : c[j];
              target += normal_lpdf(b[n] | j < 2 ? a : 0, 1);
            }
        }
        """, DataSet(["N": .integer(2), "J": .integer(3)], source: "test"))
        func normal(_ x: Double, _ m: Double) -> Double { -0.5 * (x - m) * (x - m) - 0.5 * log(2 * Double.pi) }
        var rng = TestRandom(seed: 6)
        for _ in 0..<4 {
            let u = rng.vector(6, -1.5, 1.5)
            let (a, b, c) = (u[0], Array(u[1...2]), Array(u[3...5]))
            var want = 0.0
            for n in 0..<2 {
                for j in 0..<3 {
                    let chosen: Double = a > 0.5 ? b[n] : 0
                    want += normal(a, 0) + normal(b[n], a > 0.5 ? 1 : 0)
                    want += c[j] + b[n] * c[j] + chosen
                    want += j < n ? b[n] : c[j]
                    want += normal(b[n], j < 1 ? a : 0)
                }
            }
            #expect(abs(model.logDensity(u) - want) < 1e-12 * max(1, abs(want)), "at \(u): \(model.logDensity(u)) vs \(want)")
        }
    }

    /// BUGS' equiv: inside a loop nested in a vectorised one, an index that is two-dimensional
    /// integer data read at the row and the column (`sign[T[n, p]]`, one gather by T whole), and
    /// an array of fixed extent read over a loop whose extent is data (`sign[p]` for p in 1:P,
    /// its first P elements, checked when the data are read). Against the sum written out.
    @Test func anIndexReadAtTheRowAndTheColumn() throws {
        let (program, data) = (StanFixtures.indexAtRowAndColumn, StanFixtures.indexAtRowAndColumnData)
        let t = [[1, 2], [2, 1], [1, 2]], sign = [1, -1], y = [[0.3, -1.2], [1.1, 0.4], [-0.2, 0.9]]
        let model = try stanReference(program, data)
        var rng = TestRandom(seed: 12)
        for _ in 0..<3 {
            let u = rng.vector(6, -1.5, 1.5)
            var want = 0.0
            for n in 0..<3 {
                for p in 0..<2 {
                    let m = u[0] + Double(sign[t[n][p] - 1]) * u[1] / 2 + Double(sign[p]) * u[2] / 2 + u[3 + n]
                    let z = (y[n][p] - m) / 1.5
                    want += -0.5 * z * z - log(1.5) - 0.5 * log(2 * Double.pi)
                }
            }
            #expect(abs(model.logDensity(u) - want) < 1e-12 * max(1, abs(want)), "at \(u): \(model.logDensity(u)) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
        // P = 3 reads sign[3]: named when the data are read.
        var wide = data.variables
        wide["P"] = .integer(3)
        wide["T"] = DataArray(shape: [3, 3], values: Array(repeating: 1, count: 9), isInteger: true)
        wide["Y"] = .matrix(rows: [[0, 0, 0], [0, 0, 0], [0, 0, 0]])
        let message = errorMessage { _ = try stanReference(program, DataSet(wide, source: "equiv.json")) }
        #expect(message.contains("the range 1:3 is out of range 1…2"), "\(message)")
        // T read at the column and the row (its transpose's elements) is refused, not gathered as T.
        let transposed = program.replacingOccurrences(of: "array[N, P] int T;", with: "array[P, N] int T;")
            .replacingOccurrences(of: "sign[T[n, p]]", with: "sign[T[p, n]]")
        #expect(transposed.contains("sign[T[p, n]]"))
        #expect(compileError(transposed).contains("an index that depends on its index"), "\(compileError(transposed))")
    }

    /// A row of two-dimensional integer data indexing a vector (`alpha[team1[n]]`, the
    /// Bradley–Terry team model): each row's elements at its indices, summed. Against the
    /// likelihood written out.
    @Test func aRowOfIndicesPicksEachRowsElements() throws {
        let model = try stanReference(StanFixtures.rowOfIndices, StanFixtures.rowOfIndicesData)
        let team0 = [[1, 2], [3, 4], [1, 3], [2, 4], [4, 1]], team1 = [[3, 4], [1, 2], [2, 4], [1, 3], [2, 3]], y = [1.0, 0, 0, 1, 1]
        var rng = TestRandom(seed: 4)
        for _ in 0..<3 {
            let alpha = rng.vector(4, -1.5, 1.5)
            var want = alpha.map { -0.5 * $0 * $0 - 0.5 * log(2 * Double.pi) }.reduce(0, +)
            for n in 0..<5 {
                let eta = team1[n].map { alpha[$0 - 1] }.reduce(0, +) - team0[n].map { alpha[$0 - 1] }.reduce(0, +)
                want += y[n] * eta - log1p(exp(eta))
            }
            #expect(abs(model.logDensity(alpha) - want) < 1e-12 * max(1, abs(want)), "\(model.logDensity(alpha)) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: alpha) < GradientCheck.tolerance)
        }
    }

    /// Scalars of the outer loop added to over the inner one, in the branches of an `if` on the
    /// inner loop's data (Raykar et al.'s noisy raters, `StanFixtures.conditionalIncrements`):
    /// against the likelihood written out.
    @Test func scalarsAddedToInTheBranchesOfAnIfPerCell() throws {
        let model = try stanReference(StanFixtures.conditionalIncrements, StanFixtures.conditionalIncrementsData)
        let x = [0.5, -1.0, 1.5, 0.2], y = [[1, 0, 1], [0, 0, 1], [1, 1, 1], [0, 1, 0]]
        func logistic(_ u: Double) -> Double { 1 / (1 + exp(-u)) }
        var rng = TestRandom(seed: 19)
        for _ in 0..<3 {
            let u = rng.vector(7, -1.5, 1.5)
            let alpha = u[1...3].map(logistic), beta = u[4...6].map(logistic)
            var want = 0.0
            for n in 0..<4 {
                var pos = log(logistic(u[0] * x[n])), neg = log(1 - logistic(u[0] * x[n]))
                for r in 0..<3 {
                    pos += y[n][r] == 1 ? log(alpha[r]) : log(1 - alpha[r])
                    neg += y[n][r] == 1 ? log(1 - beta[r]) : log(beta[r])
                }
                let top = max(pos, neg)
                want += top + log(exp(pos - top) + exp(neg - top))
            }
            // The bounds' log-Jacobians: log σ(u)(1 − σ(u)) per element.
            want += (alpha + beta).map { log($0 * (1 - $0)) }.reduce(0, +)
            #expect(abs(model.logDensity(u) - want) < 1e-12 * max(1, abs(want)), "\(model.logDensity(u)) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
        // A scalar the inner loop also reads is not a sum over it, and a branch that does more than
        // add to scalars has no `?:` form: both refused by name.
        let reads = StanFixtures.conditionalIncrements.replacingOccurrences(of: "neg_sum -= -log(beta[r]);\n      }",
                                                                             with: "neg_sum -= -log(beta[r]);\n      }\n      target += 0.1 * pos_sum;")
        #expect(reads != StanFixtures.conditionalIncrements)
        #expect(compileError(reads).contains("inside a loop nested in a vectorised loop, only"), "\(compileError(reads))")
        let more = StanFixtures.conditionalIncrements.replacingOccurrences(of: "pos_sum += log(alpha[r]);",
                                                                            with: "pos_sum += log(alpha[r]); target += w;")
        #expect(compileError(more).contains("an if whose condition depends on its index"), "\(compileError(more))")
    }

    /// A count per row against a vector per row (`StanFixtures.scalarBesideVectorPerRow`, BUGS'
    /// seeds for data cloning): each row's count paired with every clone, against the clones
    /// written as a loop.
    @Test func aCountPerRowAgainstAVectorPerRow() throws {
        let written = StanFixtures.scalarBesideVectorPerRow.replacingOccurrences(
            of: "n[i] ~ binomial_logit(N[i], a * x[i] + b[i]);",
            with: "for (k in 1:K) n[i] ~ binomial_logit(N[i], a * x[i] + b[i, k]);")
        #expect(written != StanFixtures.scalarBesideVectorPerRow)
        expectEquivalent(try stanReference(StanFixtures.scalarBesideVectorPerRow, StanFixtures.scalarBesideVectorPerRowData),
                         try stanReference(written, StanFixtures.scalarBesideVectorPerRowData))
    }

    @Test func whatMustBeRefusedIs() {
        let underIf = Self.header + """
        model { for (n in 1:N) { vector[K] lp;
          if (use_t == 1) { for (k in 1:K) lp[k] = student_t_lpdf(y[n] | 3, mu[k], s); }
          target += log_sum_exp(lp); } }
        """
        #expect(compileError(underIf).contains("'lp' is assigned only where the condition holds and has no value otherwise"))
        let indexZero = Self.header + "model { for (n in 1:N) { vector[K] g; g[0] = y[n]; target += sum(g); } }"
        #expect(compileError(indexZero).contains("Stan indices start at 1"))
        let intFromReal = Self.header + "model { for (n in 1:N) { array[K] int g; for (k in 1:K) g[k] = 0.5 * y[n]; } }"
        #expect(compileError(intFromReal).contains("cannot assign a value of type real to 'g[k]' of type int"))
        let afterColumns = """
        data { int N; int K; matrix[K, 3] m; vector[N] y; }
        parameters { real s; }
        model { for (n in 1:N) for (k in 1:K) target += normal_lpdf(y[n] | m[k, 2], 1); }
        """
        #expect(compileError(afterColumns).contains("after the inner loop's index, only an index by the outer loop's data"))
    }
}

/// Values of Φ by SciPy 1.17.1 (`norm.logcdf`), for the constant-CDF test:
/// log(Φ(2) − Φ(0)) and log Φ(0.5).
enum NormalDistributionFunctionValues {
    static let logDiff = -0.7397150928523355
    static let logPhiHalf = -0.36894641528865635
}
