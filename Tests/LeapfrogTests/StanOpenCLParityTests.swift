import Foundation
import Leapfrog
import LeapfrogTestSupport
import Testing

/// Stan programs using slices, user functions, constrained types, array expressions, append_row/append_col, range assignments and recurrences give the same
/// log density and gradient on the OpenCL back end (float64) as on the CPU reference.
struct StanOpenCLParityTests {
    static let constrained = """
    data { int K; vector[K] alpha; vector[2] floor; }
    parameters {
      simplex[K] p;
      array[2] simplex[K] q;
      ordered[3] c;
      array[2] positive_ordered[2] s;
      real<lower=0, upper=1> a1;
      real<lower=0, upper=(1 - a1)> b1;
      vector<lower=floor>[2] e;
    }
    model {
      p ~ dirichlet(alpha);
      for (j in 1:2) q[j] ~ dirichlet(alpha);
      c ~ normal(0, 3);
      for (j in 1:2) s[j] ~ normal(0, 3);
      a1 ~ beta(2, 2);
      b1 ~ beta(2, 2);
      e ~ normal(0, 5);
    }
    """

    static let matrices = """
    data { int K; }
    parameters {
      cholesky_factor_corr[K] L;
      corr_matrix[K] Omega;
      cholesky_factor_cov[K] C;
      cov_matrix[K] S;
      unit_vector[K] v;
      vector<lower=0>[K] tau;
      vector[K] y;
    }
    model {
      L ~ lkj_corr_cholesky(2);
      Omega ~ lkj_corr(1.5);
      tau ~ normal(0, 1);
      y ~ multi_normal_cholesky(rep_vector(0, K), diag_pre_multiply(tau, L));
      to_vector(C) ~ normal(0, 2);
      to_vector(S) ~ normal(0, 3);
      v ~ normal(0, 1);
    }
    """

    static let slicesAndFunctions = """
    functions {
      real walk_lpdf(vector y, real sigma) {
        return normal_lpdf(tail(y, rows(y) - 1) | head(y, rows(y) - 1), sigma);
      }
      vector shifted(vector x, real a) { return x + a; }
    }
    data { int<lower=2> N; vector[N] obs; matrix[N, 2] X; }
    parameters { vector[N] y; real<lower=0> sigma; vector[2] beta; }
    model {
      y ~ walk(sigma);
      y[1] ~ normal(0, 1);
      sigma ~ normal(0, 1);
      beta ~ normal(0, 1);
      obs ~ normal(shifted(X[, 1] * beta[1] + X[:, 2] * beta[2], 0.5) + y[1:N], 1);
      target += normal_lpdf(y[3:] | segment(y, 1, N - 2), 2);
      to_vector(to_matrix(head(y, 4), 2, 2) * beta) ~ normal(0, 3);
    }
    """

    /// Array and vector expressions of parameters (`Lowering+ArrayExpressions`: one-hot sums).
    static let arrayExpressions = """
    data { vector[3] y; }
    transformed data { matrix[3, 2] x = [y', (2 * y)']'; }
    parameters { real a; real<lower=0> b; vector[3] v; row_vector[3] r; }
    transformed parameters {
      vector[3] w = [a, b, a * b]';
      array[2] vector[3] vs = {v, w};
      matrix[2, 3] M = [r, v'];
    }
    model {
      target += normal_lpdf({a, b} | 0, 1);
      v ~ normal(x[, 2], 2);
      y ~ normal(w + vs[1], 1);
      to_vector(M * x) ~ normal(0, 3);
      target += normal_lpdf([a, 1, b] | r, 1);
    }
    """

    /// append_row and append_col of parameters (`Lowering+Concatenation`: placement patterns).
    static let concatenation = """
    data { int N; matrix[N, 2] X; vector[N] z; }
    parameters { real a; vector[2] v; vector[N - 1] free; row_vector[2] r; matrix[2, 2] B; }
    transformed parameters {
      vector[N] sumzero = append_row(free, -sum(free));
      matrix[3, 2] rB = append_row(r, B);
      matrix[2, 3] vB = append_col(v, B);
    }
    model {
      a ~ normal(0, 1);
      to_vector(B) ~ normal(0, 1);
      sumzero ~ normal(z, 1);
      z ~ normal(append_col(rep_vector(1, N), X) * append_row(a, v), 2);
      to_vector(rB * vB) ~ normal(0, 3);
      target += normal_lpdf(append_col(r, a) | 0, 2);
    }
    """

    /// The device's log densities and gradients (f64) at `points` (by default four random points
    /// in [−1.5, 1.5]ᵈ), W = `width` chains per work-item (the back end's choice when nil), equal
    /// to the reference's within `tolerance` relative (the gradients within `gradientTolerance`
    /// when given); a point where the reference's log density is not finite (a rejected point)
    /// must not be finite on the device either.
    static func expectParity(_ source: String, _ data: DataSet, width: Int? = nil, points chosen: [[Double]]? = nil,
                             tolerance: Double = 1e-9, gradientTolerance: Double? = nil,
                             sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let model = try StanProgram.compile(source: source, path: "parity.stan")
        let (graph, prepared) = try model.instantiate(data: data)
        let bound = try BoundModel(graph: graph, data: prepared)
        let device: Device
        do { device = try OpenCLRuntime.device() } catch {
            Issue.record("no OpenCL device: \(error)", sourceLocation: sourceLocation)
            return
        }
        guard try device.info().supportsFP64 else { return }
        let cl = try OpenCLLogDensity<Double>(bound, queue: try CommandQueue(context: try Context(device: device)), width: width)
        let reference = ReferenceModel(bound)
        var rng = TestRandom(seed: 9)
        let points = chosen ?? (0..<4).map { _ in rng.vector(reference.dimension, -1.5, 1.5) }
        let got = try cl.evaluate(ChainBatch(vectors: points))
        for (k, u) in points.enumerated() {
            let (lp, g) = reference.logDensityAndGradient(u)
            if chosen != nil, !lp.isFinite {
                #expect(!got.logDensity[k].isFinite, "point \(k): \(got.logDensity[k]) where the reference rejects it", sourceLocation: sourceLocation)
                continue
            }
            #expect(lp.isFinite, sourceLocation: sourceLocation)
            #expect(abs(got.logDensity[k] - lp) <= tolerance * max(1, abs(lp)), "point \(k): \(got.logDensity[k]) vs \(lp)", sourceLocation: sourceLocation)
            for p in 0..<reference.dimension {
                let x = got.gradient.values[p * points.count + k]
                #expect(abs(x - g[p]) <= (gradientTolerance ?? tolerance) * max(1, abs(g[p])), "point \(k), gradient \(p): \(x) vs \(g[p])", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func constrainedTypes() throws {
        try Self.expectParity(Self.constrained, DataSet(["K": .integer(3), "alpha": .vector([1.5, 2, 3]), "floor": .vector([-1, 0.5])]))
    }

    @Test func matrixTypes() throws {
        try Self.expectParity(Self.matrices, DataSet(["K": .integer(3)]))
    }

    @Test func slicesAndUserFunctions() throws {
        var rng = TestRandom(seed: 4)
        let n = 7
        let data = DataSet(["N": .integer(n), "obs": .vector(rng.vector(n, -2, 2)), "X": .matrix(rows: (0..<n).map { _ in rng.vector(2, -1, 1) })])
        try Self.expectParity(Self.slicesAndFunctions, data)
    }

    @Test func arrayAndVectorExpressions() throws {
        try Self.expectParity(Self.arrayExpressions, DataSet(["y": .vector([0.5, -1, 2])]))
    }

    @Test func appendRowAndColumn() throws {
        let data = DataSet(["N": .integer(4), "X": .matrix(rows: [[1, 2], [3, 4], [5, 6], [-1, 0.5]]), "z": .vector([0.5, -1, 2, 1])])
        try Self.expectParity(Self.concatenation, data)
    }

    /// `if` on the loop index inside a vectorised loop: fixtures (one reading a local of the loop),
    /// and posteriordb's M0, Mt, Mh,
    /// Mtbh and Survey models (Mt: a per-row Bernoulli density inside log_sum_exp; Survey: a data
    /// vector's density per row).
    @Test func ifOnTheLoopIndex() throws {
        try Self.expectParity(StanFixtures.rowConditions, StanFixtures.rowConditionsData)
        try Self.expectParity(StanFixtures.rowConditionAssignments, StanFixtures.rowConditionsData)
        // A local of the loop read in the branches: each branch's rows of it gathered.
        try Self.expectParity("""
        data { int N; array[N] int y; vector[N] x; array[N] int group; }
        parameters { vector[N] mu; real b; }
        model {
          mu ~ normal(0, 1);
          for (n in 1:N) {
            real m = mu[n] + b * x[n];
            if (group[n] == 1) y[n] ~ bernoulli_logit(m);
            else target += normal_lpdf(x[n] | m, 2);
          }
        }
        """, StanFixtures.rowConditionsData)
        let source = try String(contentsOfFile: RepositoryData.path("posteriordb/stan/M0_model.stan"), encoding: .utf8)
        try Self.expectParity(source, try StanJSON.load(path: RepositoryData.path("posteriordb/M0_data.json")))
        let mt = try String(contentsOfFile: RepositoryData.path("posteriordb/stan/Mt_model.stan"), encoding: .utf8)
        try Self.expectParity(mt, try StanJSON.load(path: RepositoryData.path("posteriordb/Mt_data.json")))
        for name in ["Mh", "Mtbh", "Survey"] {
            let source = try String(contentsOfFile: RepositoryData.path("posteriordb/stan/\(name)_model.stan"), encoding: .utf8)
            try Self.expectParity(source, try StanJSON.load(path: RepositoryData.path("posteriordb/\(name)_data.json")))
        }
    }

    /// `if` and `?:` on parameters (the graph's select): terms chosen by a condition, a change
    /// point and terms chosen per streamed row, a density per row in a branch of `?:` on integer
    /// data, and a branch not taken that is undefined there (`Generator.guarded`).
    @Test func conditionsOnParameters() throws {
        try Self.expectParity("""
        data { int N; vector[N] y; }
        parameters { real mu; real<lower=0> sigma; }
        model {
          mu ~ normal(0, 5);
          if (mu > 0 && sigma < 3) target += normal_lpdf(y | mu, sigma);
          else if (!(mu > -1)) target += student_t_lpdf(y | 4, mu, sigma);
          else y ~ cauchy(mu, sigma);
          target += mu > 0 ? -sqrt(mu) - log(mu) : -square(mu);
        }
        """, DataSet(["N": .integer(3), "y": .vector([0.1, 0.5, 1.2])]))
        var rng = TestRandom(seed: 5)
        try Self.expectParity("""
        data { int N; vector[N] x; vector[N] y; array[N] int k; }
        parameters { real a; real b1; real b2; real cp; real<lower=0> s; real<lower=0, upper=1> theta; }
        model {
          vector[N] mu;
          for (n in 1:N) {
            if (x[n] < cp) mu[n] = a + b1 * (x[n] - cp); else mu[n] = a + b2 * (x[n] - cp);
            target += k[n] == 0 ? log_sum_exp(log(theta), log1m(theta) + poisson_lpmf(0 | s))
                                : log1m(theta) + poisson_lpmf(k[n] | s);
            if (x[n] > cp + 1) y[n] ~ logistic(a, s); else target += -0.5 * square(a);
            y[n] ~ normal(mu[n], s);
          }
        }
        """, DataSet(["N": .integer(9), "x": .vector(rng.vector(9, -2, 2)), "y": .vector(rng.vector(9, -1, 1)),
                      "k": .integers([0, 2, 0, 1, 3, 0, 0, 4, 1])]))
    }

    /// The Stan User's Guide's change-point model: the example (dynamic programming, a count
    /// indexed by a recurrence's step) on the coal-mining disasters, and the nested-loop form
    /// (`lp[s] += …` over t, `t < s ? e : l` per row and inner index) on their first 20 years.
    @Test func changePoint() throws {
        let data = try StanJSON.load(path: RepositoryData.path("coal_mining_disasters.json"))
        let example = RepositoryData.directory.replacingOccurrences(of: "/data", with: "/examples/coal_change_point.stan")
        try Self.expectParity(try String(contentsOfFile: example, encoding: .utf8), data)
        try Self.expectParity("""
        data { int<lower=1> T; array[T] int<lower=0> D; }
        parameters { real<lower=0> e; real<lower=0> l; }
        transformed parameters {
          vector[T] lp = rep_vector(-log(T), T);
          for (s in 1:T)
            for (t in 1:T)
              lp[s] += poisson_lpmf(D[t] | t < s ? e : l);
        }
        model { e ~ exponential(1); l ~ exponential(1); target += log_sum_exp(lp); }
        """, DataSet(["T": .integer(20), "D": .integers(Array(data["D"]!.values.prefix(20).map { Int($0) }))]))
    }

    /// `hmm_marginal` (`StanLibrary`: the forward algorithm, a recurrence carrying a vector through
    /// a matrix product), its emission matrix filled element by element.
    @Test func hiddenMarkovModel() throws {
        var rng = TestRandom(seed: 31)
        try Self.expectParity("""
        data { int N; vector[N] y; }
        parameters { simplex[3] rho; array[3] simplex[3] Gamma_rows; ordered[3] mu; real<lower=0> sigma; }
        model {
          matrix[3, 3] Gamma;
          matrix[3, N] log_omega;
          for (k in 1:3) Gamma[k] = Gamma_rows[k]';
          for (k in 1:3)
            for (n in 1:N)
              log_omega[k, n] = normal_lpdf(y[n] | mu[k], sigma);
          mu ~ normal(0, 3);
          sigma ~ lognormal(0, 1);
          target += hmm_marginal(log_omega, Gamma, rho);
        }
        """, DataSet(["N": .integer(12), "y": .vector(rng.vector(12, -3, 3))]))
    }

    /// A recurrence reading rows older than the previous (the User's Guide's MA(2): the older
    /// rows carried along), and the hierarchical logistic regression as the Guide writes it
    /// (`beta[l, d]` inner index first; a row times a per-row vector).
    @Test func olderRowsAndTransposedNestedIndices() throws {
        var rng = TestRandom(seed: 8)
        try Self.expectParity(StanFixtures.movingAverage2, DataSet(["T": .integer(10), "y": .vector(rng.vector(10, -2, 2))]))
        try Self.expectParity(StanFixtures.hierarchicalLogisticRegression, DataSet([
            "D": .integer(2), "N": .integer(7), "L": .integer(3), "y": .integers([1, 0, 0, 1, 1, 0, 1]),
            "ll": .integers([1, 2, 3, 1, 2, 3, 1]), "x": .matrix(rows: (0..<7).map { _ in rng.vector(2, -1, 1) })]))
    }

    /// A loop whose range depends on the outer loop's index (the User's Guide's capture histories:
    /// one vectorised loop over the (i, t) pairs) inside an `if` on the row's data.
    @Test func raggedLoops() throws {
        try Self.expectParity(StanFixtures.captureHistories, DataSet([
            "T": .integer(4), "I": .integer(4), "y": .matrix(rows: [[0, 1, 0, 1], [1, 1, 1, 0], [0, 0, 0, 0], [0, 0, 1, 1]]),
            "first": .integers([2, 1, 0, 3]), "last": .integers([4, 3, 0, 4])]))
    }

    /// A nested loop whose body is an `if` on data reading both indices (a loop over the cells
    /// where it holds, another where it fails: posteriordb's multi-species occupancy model), and
    /// per-row `append_row`, `cumulative_sum` and `softmax` with a computed categorical outcome
    /// (its rating scale IRT model).
    @Test func cellConditionsAndPerRowConcatenation() throws {
        try Self.expectParity("""
        data { int n; int J; array[n, J] int<lower=0, upper=3> X; array[n] int<lower=0, upper=2> y; vector[n] x; }
        parameters { vector[n] psi; real theta; vector[2] kappa; }
        model {
          for (i in 1:n) {
            for (j in 1:J) {
              if (X[i, j] > 0) target += log_inv_logit(psi[i]) + binomial_logit_lpmf(X[i, j] | 3, theta);
              else target += log_sum_exp(log_inv_logit(psi[i]) + binomial_logit_lpmf(0 | 3, theta), log1m_inv_logit(psi[i]));
            }
            target += categorical_lpmf(y[i] + 1 | softmax(cumulative_sum(append_row(rep_vector(0, 1), x[i] * theta - kappa))));
          }
        }
        """, DataSet(["n": .integer(4), "J": .integer(3), "X": .matrix(rows: [[2, 0, 1], [0, 0, 0], [3, 1, 0], [0, 2, 2]]),
                       "y": .integers([0, 2, 1, 1]), "x": .vector([0.5, -1, 2, 0.25])]))
    }

    /// Censored times and counts through the incomplete gamma function: `gamma_lccdf` per row
    /// under an `if` on data, the Poisson's distribution functions at data counts, the inverse
    /// gamma and chi-square families, `gamma_p` and `gamma_q`.
    @Test func incompleteGammaDistributionFunctions() throws {
        try Self.expectParity("""
        data { int N; vector[N] t; array[N] int cens; array[N] int k; }
        parameters { real<lower=0> alpha; real<lower=0> beta; real<lower=0> lambda; real<lower=0> nu; }
        model {
          alpha ~ gamma(2, 1); beta ~ gamma(2, 1); lambda ~ gamma(2, 0.5); nu ~ gamma(3, 1);
          for (n in 1:N) {
            if (cens[n] == 0) t[n] ~ gamma(alpha, beta);
            else target += gamma_lccdf(t[n] | alpha, beta);
          }
          target += poisson_lcdf(k | lambda) + poisson_lccdf(k | lambda) + poisson_log_lcdf(k | log(lambda));
          target += inv_gamma_lcdf(t | alpha, beta) + chi_square_lccdf(t | nu) + inv_chi_square_lcdf(t | nu)
                    + scaled_inv_chi_square_lccdf(t | nu, beta) + log(gamma_p(alpha, beta)) + log(gamma_q(nu, 2.5));
        }
        """, DataSet(["N": .integer(6), "t": .vector([0.4, 2.2, 1.1, 5.0, 0.05, 3.3]), "cens": .integers([0, 1, 0, 1, 0, 1]),
                       "k": .integers([0, 3, 1, 7, 2, 4])]))
    }

    /// The incomplete gamma and beta functions inside a recurrence (whose backward pass calls
    /// them again rather than keeping their partials) and on its output.
    @Test func incompleteFunctionsInARecurrence() throws {
        try Self.expectParity("""
        data { int T; vector[T] y; }
        parameters { real<lower=0> a; real<lower=0> b; }
        model {
          vector[T] s;
          a ~ gamma(2, 1); b ~ gamma(2, 1);
          s[1] = a;
          for (t in 2:T) s[t] = 0.8 * s[t - 1] + gamma_q(a, y[t]) + inc_beta(a, b, 0.3);
          target += gamma_lccdf(y | s, b) + beta_lcdf(0.4 | s, b);
        }
        """, DataSet(["T": .integer(5), "y": .vector([0.5, 1.2, 2.0, 0.3, 3.1])]))
    }

    /// Distribution functions through the incomplete beta function: beta and beta_proportion,
    /// the Student t and Cauchy on both sides of μ, the binomial's and negative binomials' at data
    /// counts (the binomial's at k = N too).
    @Test func incompleteBetaDistributionFunctions() throws {
        try Self.expectParity("""
        data { int N; vector[N] y; vector[N] p; array[N] int k; array[N] int n; }
        parameters { real<lower=0> a; real<lower=0> b; real<lower=1> nu; real mu; real<lower=0> s; real<lower=0, upper=1> th; real<lower=0> phi; }
        model {
          a ~ gamma(2, 1); b ~ gamma(2, 1); nu ~ gamma(3, 0.5); mu ~ normal(0, 1); s ~ gamma(2, 2); phi ~ gamma(2, 1);
          target += beta_lcdf(p | a, b) + beta_lccdf(p | a, b) + beta_proportion_lcdf(p | th, phi + 1);
          target += student_t_lcdf(y | nu, mu, s) + student_t_lccdf(y | nu, mu, s) + cauchy_lcdf(y | mu, s) + cauchy_lccdf(y | mu, s);
          target += binomial_lcdf(k | n, th) + binomial_logit_lcdf(k | n, mu);
          target += neg_binomial_2_lcdf(k | a, phi) + neg_binomial_2_lccdf(k | a, phi) + neg_binomial_2_log_lcdf(k | mu, phi) + neg_binomial_lccdf(k | a, b);
        }
        """, DataSet(["N": .integer(5), "y": .vector([-3.1, -0.2, 0.4, 2.2, 40]), "p": .vector([0.05, 0.3, 0.5, 0.8, 0.99]),
                       "k": .integers([0, 3, 2, 7, 4]), "n": .integers([2, 5, 2, 9, 4])]))
    }

    /// The exponentially modified normal's distribution functions, per element in a loop and
    /// vectorised (a row term beside the loop's); terms that are a number and a parameter
    /// (`target += 0.5; target += mu;`: the kernel had read an array such leaves do not have).
    @Test func expModNormalDistributionFunctionsAndLeafTerms() throws {
        try Self.expectParity("""
        data { int N; vector[N] y; }
        parameters { real mu; real<lower=0> sigma; real<lower=0> lambda; }
        model {
          mu ~ normal(0, 1); sigma ~ lognormal(0, 1); lambda ~ lognormal(0, 1);
          for (n in 1:N) target += exp_mod_normal_lcdf(y[n] | mu, sigma, lambda);
          target += exp_mod_normal_lccdf(y | mu, sigma, lambda);
          target += 0.5; target += mu;
        }
        """, DataSet(["N": .integer(5), "y": .vector([-2.0, -0.3, 0.5, 1.9, 8.0])]))
    }

    /// `ordered_probit` (a select between the two accurate sides per element) and the formula
    /// families written with log Φ and relu (skew normal, exponentially modified normal, skew
    /// double exponential), beta_proportion and loglogistic; a count family's lccdf at 0 (a
    /// hurdle's normaliser, a running log-sum-exp); `inv_Phi`.
    @Test func orderedProbitAndFormulaFamilies() throws {
        var rng = TestRandom(seed: 21)
        try Self.expectParity("""
        data { int N; array[N] int<lower=1, upper=4> y; vector[N] x; vector<lower=0, upper=1>[N] v; array[N] int<lower=0> k; }
        parameters { real beta; ordered[3] c; real xi; real<lower=0> s; real<lower=0, upper=1> m; real<lower=0> lambda; }
        model {
          y ~ ordered_probit(x * beta, c);
          x ~ skew_normal(xi, s, -2);
          x ~ exp_mod_normal(xi, s, 1.5);
          x ~ skew_double_exponential(xi, s, m);
          v ~ beta_proportion(m, 5);
          v ~ loglogistic(s, 3);
          k ~ poisson(lambda) T[1, ];
          target += neg_binomial_2_lccdf(0 | lambda, s) - square(inv_Phi(m));
        }
        """, DataSet(["N": .integer(8), "y": .integers([1, 2, 4, 3, 3, 1, 2, 4]), "x": .vector(rng.vector(8, -2, 2)),
                      "v": .vector(rng.vector(8, 0.1, 0.9)), "k": .integers([1, 3, 2, 1, 5, 2, 1, 1])]))
    }

    /// The covariance-matrix densities and the multivariate Student t (Cholesky factors,
    /// triangular solves), its outcomes whole and per row.
    @Test func wishartAndMultivariateT() throws {
        var rng = TestRandom(seed: 17)
        try Self.expectParity("""
        data { int N; cov_matrix[3] S; array[N] vector[3] Y; }
        parameters { cov_matrix[3] Sigma; vector[3] mu; real<lower=1> nu; }
        model {
          Sigma ~ inv_wishart(6, S);
          S ~ wishart(8, Sigma);
          mu ~ normal(0, 1);
          Y ~ multi_student_t(nu, mu, Sigma);
          for (n in 1:N) Y[n] ~ multi_student_t_cholesky(nu, mu, cholesky_decompose(Sigma));
        }
        """, DataSet(["N": .integer(4), "S": .matrix(rows: [[1.2, -0.2, 0.1], [-0.2, 0.9, 0.3], [0.1, 0.3, 1.4]]),
                      "Y": .matrix(rows: (0..<4).map { _ in rng.vector(3, -1, 1) })]))
    }

    /// `gaussian_dlm_obs`: the Kalman filter as a loop over the observations carrying a mean and
    /// a covariance (Cholesky factors, triangular solves inside the loop), V a matrix and a vector.
    @Test(arguments: [false, true])
    func dynamicLinearModel(diagonalV: Bool) throws {
        try Self.expectParity(StanFixtures.dynamicLinearModel(diagonalV: diagonalV), StanFixtures.dynamicLinearModelData)
    }

    /// A diffuse start (C0 = 10⁷ I) and observation variances of 10⁻⁴, as example-models'
    /// `fx_equicorr`: in float, the filter's covariance after the first step must still be about
    /// V. Joseph's update (a sum) keeps it; the difference C − K Q Kᵀ leaves rounding of
    /// 10⁷ · 6·10⁻⁸ ≈ 0.6 in its place (with it, this test's float log density and gradient are
    /// NaN: a later forecast covariance is not positive definite).
    @Test func dynamicLinearModelInFloatFromADiffuseStart() throws {
        var rng = TestRandom(seed: 23)
        var level = [0.0, 0.0]
        let steps = 30
        var y = [[Double]](repeating: [], count: 2)
        for _ in 0..<steps {
            for k in 0..<2 {
                level[k] += 0.003 * rng.uniform(-1.732, 1.732)
                y[k].append(level[k] + 0.008 * rng.uniform(-1.732, 1.732))
            }
        }
        let model = try StanProgram.compile(source: """
        data { int T; matrix[2, T] y; }
        parameters { real log_v; real log_w; }
        model {
          matrix[2, 2] I = diag_matrix(rep_vector(1.0, 2));
          y ~ gaussian_dlm_obs(I, I, exp(2 * log_v) * I, exp(2 * log_w) * I, rep_vector(0, 2), 1e7 * I);
        }
        """, path: "diffuse.stan")
        let (graph, prepared) = try model.instantiate(data: DataSet(["T": .integer(steps), "y": .matrix(rows: y)]))
        let bound = try BoundModel(graph: graph, data: prepared)
        let device = try OpenCLRuntime.device()
        let cl = try OpenCLLogDensity<Float>(bound, queue: try CommandQueue(context: try Context(device: device)))
        let u = [log(0.008), log(0.003)]
        let (lp, g) = ReferenceModel(bound).logDensityAndGradient(u)
        let got = try cl.evaluate(ChainBatch(vectors: [u]))
        #expect(lp > 100, "the reference's log density \(lp): the observations' scale is 10⁻²")
        #expect(abs(Double(got.logDensity[0]) - lp) <= 1e-5 * abs(lp), "float \(got.logDensity[0]) vs \(lp)")
        for p in 0..<2 {
            let x = Double(got.gradient.values[p])
            #expect(abs(x - g[p]) <= 1e-2 * max(1, abs(g[p])), "gradient \(p): float \(x) vs \(g[p])")
        }
    }

    /// posteriordb's dogs models: a local scalar in a loop nested in a vectorised one, a Bernoulli
    /// whose probability is exactly 1 in every first trial, and an outer product `u * v'`; and
    /// `dogs` and `dogs_log`, whose counts of past outcomes are a recurrence over each dog's
    /// trials inside a loop over the dogs: their plate cannot stream (a recurrence over its
    /// rows), so the kernel evaluates their terms whole, as the CPU reference does.
    @Test func dogs() throws {
        let data = try StanJSON.load(path: RepositoryData.path("posteriordb/dogs.json"))
        for model in ["dogs_hierarchical", "dogs_nonhierarchical", "dogs"] {
            let source = try String(contentsOfFile: RepositoryData.path("posteriordb/stan/\(model).stan"), encoding: .utf8)
            try Self.expectParity(source, data)
        }
        // dogs_log's β is unconstrained but uniform on (−100, 0) and (0, 100): points inside.
        let source = try String(contentsOfFile: RepositoryData.path("posteriordb/stan/dogs_log.stan"), encoding: .utf8)
        try Self.expectParity(source, data, points: [[-0.2, 0.1], [-0.5, 0.05], [-0.05, 0.3], [-1.2, 0.02]])
    }

    /// `sin`, `cos`, `atan` (a seasonal regression's harmonics, an angle through atan).
    @Test func trigonometricFunctions() throws {
        let data = DataSet(["N": .integer(5), "t": .vector([0.1, 1.3, 2.2, 4.0, 5.5]), "y": .vector([0.5, 1.2, -0.3, -1, 0.8])])
        try Self.expectParity("""
        data { int N; vector[N] t; vector[N] y; }
        parameters { real a; real b; real<lower=0> s; real w; }
        model { a ~ normal(0, 1); b ~ normal(0, 1); s ~ exponential(1); w ~ normal(1, 0.5);
                y ~ normal(a * sin(w * t) + b * cos(w * t) + 0.1 * atan(t - a), s); }
        """, data)
    }

    /// `fabs`, `fmax`, `fmin` and the Laplace family (density and distribution functions) through
    /// relu; `cumulative_sum`; a recurrence inside an `if` on data, taken or not; and posteriordb's
    /// prophet with either trend (a recurrence inside an if on data, a while in transformed data).
    @Test func absoluteValuesRunningSumsAndProphet() throws {
        let source = """
        data { int N; vector[N] y; int flag; }
        parameters { real mu; real<lower=0> s; vector[N] d; }
        transformed parameters {
          vector[N] level = cumulative_sum(d);
          real r = 0;
          if (flag) { for (n in 1:N) r = 0.5 * r + fmax(level[n], mu); } else { r = fmin(mu, 1); }
        }
        model {
          d ~ double_exponential(0, 1);
          mu ~ normal(0, 1);
          s ~ lognormal(0, 1);
          y ~ double_exponential(level + mu, s);
          target += -fabs(r) + double_exponential_lccdf(0.3 | mu, s) + double_exponential_lcdf(y[1] | mu, s);
        }
        """
        for flag in [0, 1] {
            try Self.expectParity(source, DataSet(["N": .integer(4), "y": .vector([0.5, -1, 2, 0.3]), "flag": .integer(flag)]))
        }
        let prophet = try String(contentsOfFile: RepositoryData.path("posteriordb/stan/prophet.stan"), encoding: .utf8)
        var data = try StanJSON.load(path: RepositoryData.path("posteriordb/rstan_downloads.json"))
        for trend in [0, 1] {
            data["trend_indicator"] = .integer(trend)
            try Self.expectParity(prophet, data)
        }
    }

    /// The index of a recurrence as a value (`m[t] = 0.5 * m[t - 1] + a + t * 0.1`; its kernel had
    /// read an undeclared variable), a loop from 2 over integer outcomes, vectorised, and integer
    /// arithmetic on a loop's index (`mu[(t - 1) % 4 + 1]`), data per row.
    @Test func theIndexAsAValueAndLoopsFromAConstant() throws {
        let source = """
        data { int N; array[N] int k; vector[N] y; }
        parameters { real a; vector[N] mu; }
        transformed parameters {
          vector[N] m;
          m[1] = 0;
          for (t in 2:N) m[t] = 0.5 * m[t - 1] + a + t * 0.1;
        }
        model {
          a ~ normal(0, 1); mu ~ normal(0, 1); y ~ normal(m, 1);
          for (t in 3:N) k[t] ~ poisson_log(mu[t - 2] * 0.5 + t * 0.01);
          for (t in 1:N) target += normal_lpdf(0.1 * t | a + mu[(t - 1) % 4 + 1] + 0.1 * (t % 2) + 0.01 * (t / 3), 2);
        }
        """
        try Self.expectParity(source, DataSet(["N": .integer(6), "k": .integers([1, 0, 3, 2, 5, 1]), "y": .vector([0.1, 0.5, -0.3, 1.2, 0.4, 0.0])]))
    }

    /// Sliding windows (in a recurrence and in a vectorised loop, of parameters and of data), per-row
    /// scalars in a row vector, the loop index as a value, and a loop over fewer rows than a value has.
    @Test func slidingWindowsAndTheIndexAsAValue() throws {
        let source = """
        data { int N; vector[N] y; array[N] real z; }
        parameters { vector[N] s; real<lower=0> sigma; real a; }
        model {
          sigma ~ lognormal(0, 1);
          a ~ normal(0, 1);
          s[1:3] ~ normal(0, 1);
          for (t in 4:N) s[t] ~ normal(-sum(s[t - 3 : t - 1]), sigma);
          for (n in 1:(N - 2)) y[n + 2] ~ normal(dot_product([0.5, 0.3, 0.2]', s[n : n + 2]) + a * n, sigma);
          for (n in 1:(N - 1)) target += -square(sum(z[n : n + 1]) - s[n]);
          for (n in 1:N) { vector[2] w = [a, s[n] * (n - 1)]'; w ~ normal(0, 2); }
        }
        """
        try Self.expectParity(source, DataSet(["N": .integer(7), "y": .vector([0.5, -1, 2, 0.3, 1.1, -0.4, 0.9]),
                                               "z": .vector([0.2, 0.1, -0.3, 0.8, 0.4, -1, 0.6])]))
    }

    /// The exponential, Matérn and periodic GP kernels (`GPKernel`), of real points that are
    /// parameters and of vector points of data.
    @Test func gaussianProcessKernels() throws {
        let source = """
        data { array[3] real x; vector[3] y; array[3] vector[2] z; }
        parameters { real<lower=0> s; real<lower=0> l; real<lower=0> p; array[3] real t; }
        model {
          s ~ lognormal(0, 1); l ~ lognormal(0, 1); p ~ lognormal(1, 0.5); t ~ normal(x, 1);
          y ~ multi_normal(rep_vector(0, 3), add_diag(gp_matern32_cov(t, s, l) + gp_periodic_cov(z, s, l, p), 0.1));
          y ~ multi_normal(rep_vector(0, 3), add_diag(gp_matern52_cov(x, s, l) + gp_exponential_cov(t, s, l), 0.1));
          to_vector(gp_matern32_cov(t, x, s, l)) ~ normal(0, 3);
        }
        """
        try Self.expectParity(source, DataSet(["x": .vector([0.3, 1.1, 2.0]), "y": .vector([0.4, -0.2, 0.9]),
                                               "z": .matrix(rows: [[0.1, 0.4], [1.0, -0.5], [0.7, 0.7]])]))
    }

    /// Several log densities in one statement inside a vectorised loop (`target += normal_lpdf(y[n]
    /// | …) + normal_lpdf(z[n] | …)`, a truncated density less its normaliser): each part is a term
    /// of its own, which the kernel streams (the sum of them had been refused).
    @Test func sumsOfDensitiesInALoop() throws {
        let source = """
        data { int N; vector[N] y; vector[N] z; real L; real U; }
        parameters { real mu; real<lower=0> s; }
        model {
          mu ~ normal(0, 1); s ~ lognormal(0, 1);
          for (n in 1:N) target += normal_lpdf(y[n] | mu, 1) + normal_lpdf(z[n] | mu, 2) - 0.5 * s;
          for (n in 1:N) y[n] ~ double_exponential(mu, s) T[L, U];
          for (n in 1:N) target += normal_lpdf(y[n] | mu, s) - normal_lcdf(U | mu, s);
        }
        """
        try Self.expectParity(source, DataSet(["N": .integer(4), "y": .vector([0.5, -1, 2, 0.3]), "z": .vector([0.1, 0.4, -0.2, 1]),
                                               "L": .scalar(-3), "U": .scalar(4)]))
    }

    /// Data of the plate's extent that only other terms read are whole arrays, not rows: a GP prior
    /// on f (its N × N covariance) beside a loop over y[n], and an element of `cumulative_sum(f)`
    /// (behind it an N × N pattern) beside the same loop. Both had been refused.
    @Test func wholeArraysOfThePlatesExtentBesideAPlate() throws {
        let source = """
        data { int N; array[N] real x; vector[N] y; }
        parameters { real<lower=0> s; real<lower=0> l; vector[N] f; }
        transformed parameters { vector[N] c = cumulative_sum(f); }
        model {
          f ~ multi_normal(rep_vector(0, N), add_diag(gp_matern32_cov(x, s, l), 0.01));
          for (n in 1:N) y[n] ~ normal(f[n], 1);
          s ~ lognormal(0, 1); l ~ lognormal(0, 1);
          target += -square(c[N]);
        }
        """
        try Self.expectParity(source, DataSet(["N": .integer(5), "x": .vector([0.1, 0.5, 1.2, 2.0, 2.4]),
                                               "y": .vector([0.3, -0.2, 0.5, 1.0, 0.1])]))
    }

    /// Ordinal regression: `ordered_logistic`, vectorised and per row.
    @Test func orderedLogistic() throws {
        let data = DataSet(["N": .integer(6), "K": .integer(4), "y": .integers([1, 2, 4, 3, 3, 1]), "x": .vector([-1, 0.5, 2, 1, 0.2, -2])])
        let header = "data { int N; int K; array[N] int<lower=1, upper=K> y; vector[N] x; }\nparameters { real beta; ordered[K - 1] c; }\n"
        try Self.expectParity(header + "model { beta ~ normal(0, 2); y ~ ordered_logistic(x * beta, c); }", data)
        try Self.expectParity(header + "model { beta ~ normal(0, 2); for (n in 1:N) y[n] ~ ordered_logistic(x[n] * beta, c); }", data)
    }

    /// LKJ densities whose shape is a parameter: the normalising constant's lgamma terms.
    @Test func lkjWithAParameterShape() throws {
        try Self.expectParity("""
        data { int K; }
        parameters { cholesky_factor_corr[K] L; corr_matrix[K] Omega; real<lower=0> eta; }
        model { eta ~ gamma(2, 1); L ~ lkj_corr_cholesky(eta); Omega ~ lkj_corr(eta + 0.5); }
        """, DataSet(["K": .integer(3)]))
    }

    /// A branch of an `if` on the loop index that no row takes, and data with no rows: nothing
    /// to add (the generator had added one made-up element of zeros, `max(1, count)`, and a
    /// loop of no trips divided its unrolling factor by zero).
    @Test func emptyBranchesAndNoRowsAddNothing() throws {
        let censored = """
        data { int N; vector[N] y; array[N] int cens; }
        parameters { real mu; real<lower=0> s; }
        model {
          mu ~ normal(0, 5); s ~ lognormal(0, 1);
          for (n in 1:N) { if (cens[n] == 0) y[n] ~ normal(mu, s); else target += normal_lccdf(y[n] | mu, s); }
        }
        """
        for cens in [[0, 0, 0, 0], [1, 1, 1, 1]] {
            try Self.expectParity(censored, DataSet(["N": .integer(4), "y": .vector([0.5, 1.2, -0.3, 2.0]), "cens": .integers(cens)], source: "test"))
        }
        let assigned = """
        data { int N; vector[N] x; array[N] int h; vector[N] y; }
        parameters { real a; real b; }
        transformed parameters { vector[N] mu; for (n in 1:N) { if (h[n] == 1) mu[n] = a * x[n]; else mu[n] = b; } }
        model { y ~ normal(mu, 1); a ~ normal(0, 1); b ~ normal(0, 1); }
        """
        for h in [[0, 0, 0], [1, 1, 1]] {
            try Self.expectParity(assigned, DataSet(["N": .integer(3), "x": .vector([1, 1.5, 2]), "h": .integers(h), "y": .vector([-1, 0, 1])], source: "test"))
        }
        try Self.expectParity("""
        data { int N; vector[N] y; array[N] int idx; }
        parameters { real a; }
        transformed parameters { vector[3] x = rep_vector(a, 3); x[idx] = y * a; }
        model { y ~ normal(a, 1); a ~ normal(0, 1); x ~ normal(0, 2); for (n in 1:N) y[n] ~ normal(x[idx[n]], 2); }
        """, DataSet(["N": .integer(0), "y": .vector([]), "idx": .integers([])], source: "test"))
    }

    /// `dirichlet_lpdf` with data concentration keeps its constant, once per simplex, also one per
    /// row of a loop (a sum over rows, which a device streams).
    @Test func dirichletConstantsPerRow() throws {
        try Self.expectParity("""
        data { int N; vector[3] alpha; }
        parameters { array[N] simplex[3] th; }
        model { for (n in 1:N) target += dirichlet_lpdf(th[n] | alpha); }
        """, DataSet(["N": .integer(4), "alpha": .vector([1.5, 2, 3])], source: "test"))
    }

    /// Values chosen by data conditions (`?:` and if on data assigning), each branch taken.
    @Test func valuesChosenByDataConditions() throws {
        let source = """
        data { int N; vector[N] x; vector[N] y; int K; real z; }
        parameters { real a; real<lower=0> s; }
        transformed parameters { vector[N] mu; real w = K > 1 ? log(z) : 2.0; if (K > 1) { mu = a * x + w; } else { mu = rep_vector(a, N); } }
        model { real t; if (z > 0) t = log(z); else t = 0; a ~ normal(t, 1); s ~ exponential(1); for (n in 1:N) y[n] ~ normal(K == 1 ? a : mu[n], s); }
        """
        for (k, z) in [(2, 1.5), (1, -1.5)] {
            try Self.expectParity(source, DataSet(["N": .integer(3), "x": .vector([1, 2, 3]), "y": .vector([0.5, 1.5, 2]), "K": .integer(k),
                                                   "z": .scalar(z)], source: "test"))
        }
    }

    /// Multivariate regression: a mean per outcome, in a loop and as an array of means.
    @Test func multiNormalWithAMeanPerOutcome() throws {
        try Self.expectParity("""
        data { int N; array[N] vector[2] y; vector[N] x; }
        parameters { vector[2] a; vector[2] b; cholesky_factor_corr[2] L; vector<lower=0>[2] tau; }
        model {
          array[N] vector[2] mu;
          a ~ normal(0, 2); b ~ normal(0, 2); tau ~ normal(0, 1); L ~ lkj_corr_cholesky(2);
          for (n in 1:N) y[n] ~ multi_normal_cholesky(a + b * x[n], diag_pre_multiply(tau, L));
          for (n in 1:N) mu[n] = a - b * x[n];
          y ~ multi_normal(mu, quad_form_diag(multiply_lower_tri_self_transpose(L), tau));
        }
        """, DataSet(["N": .integer(4), "x": .vector([0.3, -1.2, 0.8, 1.5]),
                      "y": DataArray(shape: [4, 2], values: [0.5, 1.0, -1.0, 0.2, 1.2, 1.9, 2.0, 1.1])], source: "test"))
    }

    @Test func rangeAndDataIndexedAssignments() throws {
        try Self.expectParity(StanFixtures.partAssignment, StanFixtures.partAssignmentData)
        // The missing-data idiom (multi-indices, and rows of a matrix by a loop over data indices) and a column.
        try Self.expectParity("""
        data { int N; array[5] int ii_obs; array[2] int ii_mis; vector[5] y_obs; }
        parameters { vector[2] y_mis; real mu; }
        transformed parameters {
          vector[N] y;
          matrix[N, 2] m = rep_matrix(1, N, 2);
          y[ii_obs] = y_obs;
          y[ii_mis] = y_mis;
          for (n in 1:2) m[ii_mis[n]] = y_mis[n] * [1, 2] + mu;
          m[:, 1] = y * mu;
        }
        model { mu ~ normal(0, 5); y ~ normal(mu, 2); to_vector(m) ~ normal(0, 3); }
        """, DataSet(["N": .integer(7), "ii_obs": .integers([1, 2, 4, 5, 7]), "ii_mis": .integers([3, 6]),
                      "y_obs": .vector([0.3, 0.8, 1.5, 0.9, -0.2])], source: "test"))
    }

    /// Loops filling variables element by element (`Lowering+FillLoops`): a kernel matrix by its
    /// triangle, conditions, data indices and per-element log densities, each filled variable a
    /// gather by a two-dimensional index; a recurrence along elements (the graph's loop over its
    /// levels, the state gathered by data).
    @Test func elementFillLoops() throws {
        try Self.expectParity(StanFixtures.kernelByElements, StanFixtures.kernelByElementsData)
        try Self.expectParity(StanFixtures.fillLoops, StanFixtures.fillLoopsData)
        try Self.expectParity(StanFixtures.elementRecurrence, StanFixtures.elementRecurrenceData)
    }

    /// Infinite elements placed in vectors (`negative_infinity()` in a row vector expression,
    /// assigned over elements, per row of a vectorised loop): the other elements finite on the
    /// device too (it had NaN where a one-hot product made 0 · ∞).
    /// Rows filled over parts of a matrix by two loops, rows of an array of vectors in the
    /// branches of an if, terms from a data-dependent start (`StanFixtures.rowsOverParts`).
    @Test func rowsOverPartsOfAVariable() throws {
        try Self.expectParity(StanFixtures.rowsOverParts, StanFixtures.rowsOverPartsData)
    }

    /// An index read at the row and the column of a nested loop, an array read over a data extent
    /// (`StanFixtures.indexAtRowAndColumn`, BUGS' equiv).
    @Test func anIndexReadAtTheRowAndTheColumn() throws {
        try Self.expectParity(StanFixtures.indexAtRowAndColumn, StanFixtures.indexAtRowAndColumnData)
    }

    /// A row of two-dimensional integer data indexing a vector (`StanFixtures.rowOfIndices`).
    @Test func aRowOfIndicesPicksEachRowsElements() throws {
        try Self.expectParity(StanFixtures.rowOfIndices, StanFixtures.rowOfIndicesData)
    }

    /// Scalars added to over a nested loop in the branches of an if per cell
    /// (`StanFixtures.conditionalIncrements`).
    @Test func scalarsAddedToInTheBranchesOfAnIfPerCell() throws {
        try Self.expectParity(StanFixtures.conditionalIncrements, StanFixtures.conditionalIncrementsData)
    }

    /// A counting while loop and a ragged loop holding a density beside an if on the capture
    /// (`StanFixtures.countedLoop`, example-models' cjs-K).
    @Test func aCountingWhileLoopAndDensitiesBesideAnIf() throws {
        try Self.expectParity(StanFixtures.countedLoop, StanFixtures.countedLoopData)
    }

    /// A count per row against a vector per row (`StanFixtures.scalarBesideVectorPerRow`).
    @Test func aCountPerRowAgainstAVectorPerRow() throws {
        try Self.expectParity(StanFixtures.scalarBesideVectorPerRow, StanFixtures.scalarBesideVectorPerRowData)
    }

    /// A recurrence reading a matrix at data indexed by the step (`StanFixtures.stepDataIndex`,
    /// the semi-supervised HMM's `phi[k, u[t]]`).
    @Test func aDataIndexReadAtTheStep() throws {
        try Self.expectParity(StanFixtures.stepDataIndex, StanFixtures.stepDataIndexData)
    }

    /// A scratch array overwritten by each step of a vectorised loop and a data vector's density
    /// per row (`StanFixtures.scratchArray`, BUGS' stagnant).
    @Test func aScratchArrayPerStepAndVectorsPerRow() throws {
        try Self.expectParity(StanFixtures.scratchArray, StanFixtures.scratchArrayData)
    }

    @Test func infiniteElements() throws {
        try Self.expectParity("""
        data { int N; vector[N] x; }
        parameters { real mu; }
        model {
          vector[3] v = rep_vector(negative_infinity(), 3);
          v[2] = mu;
          mu ~ normal(0, 1);
          target += log_sum_exp([mu, negative_infinity()]) + log_sum_exp(v);
          for (n in 1:N) {
            vector[2] g = rep_vector(negative_infinity(), 2);
            g[1] = x[n] * mu;
            target += log_sum_exp(g);
          }
        }
        """, DataSet(["N": .integer(3), "x": .vector([0.5, -1, 2])]))
    }

    /// Dense factorisations of parameters (`Generator+Factorizations`): LU with each lane's own
    /// pivots (a leading zero makes every lane exchange rows), Jacobi with each lane's own
    /// rotations, and every function built on them (`StanFixtures.denseLinearAlgebra`).
    @Test func denseLinearAlgebra() throws {
        try Self.expectParity(StanFixtures.denseLinearAlgebra, StanFixtures.denseLinearAlgebraData)
    }

    /// The GLM families and multi_normal_prec, rewritten to the graph's families (`GLMFamilyTests`).
    @Test func generalisedLinearModelsAndPrecisions() throws {
        let source = """
        data { int N; matrix[N, 2] X; array[N] int y; array[N] int T; array[N] int cat; array[N] vector[2] z; }
        parameters { real a; vector[2] b; real<lower=0> phi; vector[3] c; matrix[2, 3] B; vector[2] mu; cov_matrix[2] Omega; }
        model {
          a ~ normal(0, 1); b ~ normal(0, 1); phi ~ lognormal(0, 1); c ~ normal(0, 1); to_vector(B) ~ normal(0, 1); mu ~ normal(0, 1);
          Omega ~ wishart(4, diag_matrix(rep_vector(1, 2)));
          y ~ neg_binomial_2_log_glm(X, a, b, phi);
          y ~ binomial_logit_glm(T, X, a, b);
          y ~ beta_neg_binomial(phi, 2.5, 1.5);
          cat ~ categorical_logit_glm(X, c, B);
          z ~ multi_normal_prec(mu, Omega);
        }
        """
        try Self.expectParity(source, DataSet(["N": .integer(4), "X": .matrix(rows: [[0.3, -1], [1.2, 0.4], [-0.7, 0.9], [0.1, 0.1]]),
                                               "y": .integers([0, 3, 1, 5]), "T": .integers([2, 4, 1, 6]), "cat": .integers([1, 3, 2, 3]),
                                               "z": .matrix(rows: [[0.5, -0.2], [1.1, 0.3], [-0.4, 0.8], [0, 0.2]])], source: "test"))
    }

    /// von_mises (the graph's log_bessel_i0; lanes beyond its switch at 20 in
    /// `SpecialFunctionTests`), dirichlet_multinomial per row of counts, beta_neg_binomial and
    /// discrete_range beside loops over the same rows (a plate).
    @Test func circularAndCountFamilies() throws {
        let source = """
        data { int N; vector[N] angle; array[N, 3] int counts; array[N] int y; }
        parameters { real mu; real<lower=0> kappa; real<lower=0> sharp; vector<lower=0>[3] alpha; }
        model {
          mu ~ normal(0, 1); kappa ~ lognormal(1, 1); sharp ~ lognormal(1, 1); alpha ~ lognormal(0, 1);
          angle ~ von_mises(mu, kappa);
          for (n in 1:N) angle[n] ~ von_mises(mu, sharp);
          for (n in 1:N) counts[n] ~ dirichlet_multinomial(alpha);
          y ~ beta_neg_binomial(kappa, 2.5, alpha[1]);
          y ~ discrete_range(0, 9);
        }
        """
        try Self.expectParity(source, DataSet(["N": .integer(4), "angle": .vector([0.3, -1.2, 2.8, 0.1]),
                                               "counts": DataArray(shape: [4, 3], values: [2, 0, 5, 1, 1, 1, 0, 4, 0, 3, 2, 6], isInteger: true),
                                               "y": .integers([0, 3, 1, 9])], source: "test"))
    }

    /// ODE solves in the kernel (`Generator+ODE`): posteriordb's Lotka–Volterra (the old
    /// interface; sensitivities to θ and to the initial state) and posteriordb's SIR model, at
    /// eight points in the eight lanes of one work-item (each lane takes its own steps; a lane
    /// that reaches an output time first waits) and at one lane per work-item; and the solution
    /// recorded per draw (a transformed parameter) by the recorded-values kernel, the solution the
    /// log density saw (with its sensitivities under error control, as on the host).
    @Test(arguments: [("lotka_volterra", "hudson_lynx_hare"), ("sir", "sir")])
    func odeSolves(_ posterior: (String, String)) throws {
        var source = try String(contentsOfFile: RepositoryData.path("posteriordb/stan/\(posterior.0).stan"), encoding: .utf8)
        if let gq = source.range(of: "generated quantities") { source = String(source[..<gq.lowerBound]) }
        let data = try StanJSON.load(path: RepositoryData.path("posteriordb/\(posterior.1).json"))
        let (graph, prepared) = try StanProgram.compile(source: source, path: "ode.stan").instantiate(data: data)
        let dimension = try BoundModel(graph: graph, data: prepared).layout.dimension
        var rng = TestRandom(seed: 4)
        let points = (0..<8).map { _ in rng.vector(dimension, -1, 1) }
        for width in [1, 8] { try Self.expectParity(source, data, width: width, points: points) }
        let device = try OpenCLRuntime.device()
        guard try device.info().supportsFP64 else { return }
        let bound = try BoundModel(graph: graph, data: prepared)
        let cl = try OpenCLLogDensity<Double>(bound, queue: try CommandQueue(context: try Context(device: device)), width: 8)
        let batch = ChainBatch(vectors: points)
        let expected = ReferenceModel(bound).recordedValues(batch)
        let recorded = try #require(try cl.recordedValues(batch))
        #expect(recorded.values.count == expected.values.count && expected.values.count > 8 * dimension)
        for (k, (a, e)) in zip(recorded.values, expected.values).enumerated() {
            #expect(abs(a - e) <= 1e-9 * max(1, abs(e)), "recorded value \(k): \(a) vs \(e)")
        }
    }

    /// A solve that needs more steps than allowed, or whose state overflows, fails in its own
    /// lane: the point is rejected there, as on the host, and the lanes beside it keep the
    /// host's values. Decay at rates from e⁻³ to e³ with at most 40 steps: the fast ones fail.
    @Test func odeSolvesFailInTheirOwnLanes() throws {
        let source = """
        functions { vector rate(real t, vector y, real k, vector w) { return -k * y .* w; } }
        data { int N; array[N] real ts; vector[2] w; }
        parameters { real log_k; vector[2] y0; }
        transformed parameters {
          array[N] vector[2] y = ode_rk45_tol(rate, exp(y0), 0, ts, 1e-9, 1e-9, 40, exp(log_k), w);
        }
        model { log_k ~ normal(0, 2); y0 ~ normal(0, 1); for (n in 1:N) target += -0.5 * dot_self(y[n] - 0.5); }
        """
        let data = DataSet(["N": .integer(4), "ts": .vector([0.5, 1, 2, 4]), "w": .vector([1, 3])], source: "test")
        let points = [-3.0, 2.5, -1, 0, 3, -2, 1.5, 0.5].enumerated().map { k, v in [v, 0.1 * Double(k) - 0.3, 0.2] }
        try Self.expectParity(source, data, width: 8, points: points)
        // Not every lane failed, and not none: the test says something about both.
        let (graph, prepared) = try StanProgram.compile(source: source, path: "fail.stan").instantiate(data: data)
        let reference = ReferenceModel(try BoundModel(graph: graph, data: prepared))
        let finite = points.map { reference.logDensity($0).isFinite }
        #expect(finite.contains(true) && finite.contains(false), "\(finite)")
    }

    /// ode_bdf in the kernel: posteriordb's one-compartment pharmacokinetic model at tolerances
    /// 10⁻⁸, at points where the elimination makes the system stiff (λ ≈ V_m/(V K_m) from 10³ to
    /// 5·10⁴: the lanes switch to ROS34PW2 and back as the host's solve does) beside points where
    /// it is not, in the lanes of one work-item. Log densities within
    /// 10⁻⁹ relative, gradients within 10⁻⁴: at a stiff point the explicit steps before the switch
    /// run at the edge of stability, where the two sides' rounding can flip a step's acceptance
    /// or a stiffness count, and the sensitivities differ by what the tolerance allows (the host's
    /// rk45 and bdf solves of such a point: 10⁻⁵ apart). ROS34PW2's weights b off by 0.1 % move
    /// the log densities by 10⁻⁸ to 10⁻⁷.
    @Test func stiffSolvesSwitchPerLane() throws {
        var source = try String(contentsOfFile: RepositoryData.path("posteriordb/stan/one_comp_mm_elim_abs.stan"), encoding: .utf8)
        if let gq = source.range(of: "generated quantities") { source = String(source[..<gq.lowerBound]) }
        source = source.replacingOccurrences(of: "x_i);", with: "x_i, 1e-8, 1e-8, 100000000);")
        let data = try StanJSON.load(path: RepositoryData.path("posteriordb/one_comp_mm_elim_abs.json"))
        // (k_a, K_m, V_m, sigma), all constrained positive: the unconstrained point is their log.
        let points = [(0.8, 0.005, 20.0, 0.1), (2.0, 1.5, 0.3, 0.5), (0.9, 0.01, 30, 0.2), (1.2, 0.8, 2, 0.3),
                      (0.7, 0.001, 1, 0.1), (0.7, 0.001, 100, 0.1), (3.1, 0.2, 0.7, 1.1), (0.7, 0.05, 8, 0.2)]
            .map { [log($0.0), log($0.1), log($0.2), log($0.3)] }
        try Self.expectParity(source, data, width: 8, points: points, tolerance: 1e-9, gradientTolerance: 1e-4)
    }

    /// posteriordb's time series (recurrences: `Lowering+Recurrences`, `Generator+Recurrence`)
    /// with their posteriordb inputs; hmm_example without its Viterbi generated quantities.
    @Test(arguments: [("arK", "arK"), ("arma11", "arma"), ("garch11", "garch"), ("hmm_example", "hmm_example")])
    func recurrences(_ posterior: (String, String)) throws {
        var source = try String(contentsOfFile: RepositoryData.path("posteriordb/stan/\(posterior.0).stan"), encoding: .utf8)
        if let gq = source.range(of: "generated quantities") { source = String(source[..<gq.lowerBound]) }
        try Self.expectParity(source, try StanJSON.load(path: RepositoryData.path("posteriordb/\(posterior.1).json")))
    }
}
