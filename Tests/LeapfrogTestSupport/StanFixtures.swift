import LeapfrogData

/// Stan programs shared by the Stan front end's tests and the CPU/OpenCL parity tests.
public enum StanFixtures {
    /// Every dense linear-algebra function of parameters in one log density, with a matrix whose
    /// leading element is zero (every lane of an OpenCL work-item must exchange rows): the
    /// gradient against finite differences (`LinearAlgebraTests`) and the OpenCL parity. Data:
    /// `denseLinearAlgebraData`.
    public static let denseLinearAlgebra = """
    data { matrix[3, 3] W; vector[3] b; matrix[3, 3] Z; matrix[3, 3] P; }
    parameters { matrix[3, 3] M; vector[3] v; }
    transformed parameters {
      matrix[3, 3] A = M + diag_matrix(rep_vector(3, 3));
      matrix[3, 3] S = crossprod(M) + diag_matrix(rep_vector(1, 3));
      matrix[3, 3] L = cholesky_decompose(S);
    }
    model {
      to_vector(M) ~ normal(0, 1);
      v ~ normal(0, 1);
      target += log_determinant(A) + 0.1 * determinant(A) + log_determinant_spd(S);
      target += 0.3 * sum(mdivide_left(A, v)) + 0.2 * sum(v' / A) + 0.1 * sum(inverse(A) .* W);
      target += 0.3 * sum(mdivide_left_spd(S, v)) - 0.2 * sum(mdivide_right_spd(v', S)) + 0.1 * sum(inverse_spd(S) .* W);
      target += 0.2 * sum(mdivide_right_tri_low(v', L));
      target += 0.1 * sum(eigenvalues_sym(S) .* b) + 0.4 * sum(eigenvectors_sym(S) .* W);
      target += 0.1 * sum(diagonal(A) .* b) - 0.05 * trace(A) - 0.01 * quad_form(S, v);
      target += -0.01 * sum(quad_form(S, A)) + 0.01 * sum(quad_form_sym(S, W)) - 0.01 * trace_quad_form(S, A);
      target += log_determinant(M .* Z + P) + 0.2 * sum(mdivide_left(M .* Z + P, v));
    }
    """

    public static let denseLinearAlgebraData = DataSet([
        "W": .matrix(rows: [[0.5, -1, 0.3], [0.2, 0.8, -0.6], [1, 0.1, -0.4]]), "b": .vector([1, -2, 0.5]),
        "Z": .matrix(rows: [[0, 1, 1], [1, 1, 1], [1, 1, 1]]), "P": .matrix(rows: [[0, 2, 0], [2, 0, 0], [0, 0, 2]]),
    ], source: "test")

    /// The Stan User's Guide's MA(2) model as written there: a recurrence reading two rows back
    /// (`RecurrenceTests`, the OpenCL parity). Data: T ≥ 3, y.
    public static let movingAverage2 = """
    data { int<lower=3> T; vector[T] y; }
    parameters { real mu; real<lower=0> sigma; vector[2] theta; }
    transformed parameters {
      vector[T] epsilon;
      epsilon[1] = y[1] - mu;
      epsilon[2] = y[2] - mu - theta[1] * epsilon[1];
      for (t in 3:T) {
        epsilon[t] = (y[t] - mu - theta[1] * epsilon[t - 1] - theta[2] * epsilon[t - 2]);
      }
    }
    model {
      for (t in 3:T) y[t] ~ normal(mu + theta[1] * epsilon[t - 1] + theta[2] * epsilon[t - 2], sigma);
    }
    """

    /// The User's Guide's Cormack–Jolly–Seber model block (the probability of never being seen
    /// again a parameter chi here): a loop whose range depends on the outer index, inside an `if`
    /// on the row's data (`RaggedLoopTests`, the OpenCL parity). Data: T, I, y [I, T], first, last.
    public static let captureHistories = """
    data { int T; int I; array[I, T] int<lower=0, upper=1> y; array[I] int first; array[I] int last; }
    parameters { vector<lower=0, upper=1>[T - 1] phi; vector<lower=0, upper=1>[T] p; vector<lower=0, upper=1>[T] chi; }
    model {
      for (i in 1:I) {
        if (first[i] > 0) {
          for (t in (first[i] + 1):last[i]) {
            1 ~ bernoulli(phi[t - 1]);
            y[i, t] ~ bernoulli(p[t]);
          }
          1 ~ bernoulli(chi[last[i]]);
        }
      }
    }
    """

    /// The User's Guide's hierarchical logistic regression as written there: `beta[l, d]` with
    /// the inner loop's index first, `x[n] * beta[ll[n]]` (`VectorisedLoopEdgeTests`, the OpenCL
    /// parity). Data: D, N, L, y, ll, x.
    public static let hierarchicalLogisticRegression = """
    data { int<lower=1> D; int<lower=0> N; int<lower=1> L; array[N] int<lower=0, upper=1> y;
           array[N] int<lower=1, upper=L> ll; array[N] row_vector[D] x; }
    parameters { array[D] real mu; array[D] real<lower=0> sigma; array[L] vector[D] beta; }
    model {
      for (d in 1:D) {
        mu[d] ~ normal(0, 100);
        for (l in 1:L) beta[l, d] ~ normal(mu[d], sigma[d]);
      }
      for (n in 1:N) y[n] ~ bernoulli(inv_logit(x[n] * beta[ll[n]]));
    }
    """

    /// Range and data-indexed assignments (`Lowering+PartAssignment`: placement patterns), with
    /// `partAssignmentData` (I = 4, k = 3).
    public static let partAssignment = """
    data { int I; int k; vector[I] y; }
    parameters { vector[I - 1] beta_free; real a; vector[2] w; }
    transformed parameters {
      vector[I] beta;
      vector[I + 1] c;
      beta[1 : I - 1] = beta_free;
      beta[I] = -1 * sum(beta_free);
      c[k : k + 1] = w;
      c[:k - 1] = rep_vector(a, k - 1);
      c[I + 1] = 2 * a;
    }
    model {
      y ~ normal(beta, 1);
      a ~ normal(0, 1);
      w ~ normal(0, 1);
      c ~ normal(1, 2);
    }
    """

    public static let partAssignmentData = DataSet(["I": .integer(4), "k": .integer(3), "y": .vector([0.3, -1, 2, 0.5])])

    /// A kernel matrix filled element by element in a user function, the triangle's loop nested
    /// in the diagonal's, the symmetric half copied and the last diagonal element written after
    /// the loop (stan-dev/example-models' `gp-fit-ARD`; `Lowering+FillLoops`), with
    /// `kernelByElementsData` (N = 6, D = 2).
    public static let kernelByElements = """
    functions {
      matrix L_cov_exp_quad_ARD(array[] vector x, real alpha, vector rho, real delta) {
        int N = size(x);
        matrix[N, N] K;
        real neg_half = -0.5;
        real sq_alpha = square(alpha);
        for (i in 1:(N - 1)) {
          K[i, i] = sq_alpha + delta;
          for (j in (i + 1):N) {
            K[i, j] = sq_alpha * exp(neg_half * dot_self((x[i] - x[j]) ./ rho));
            K[j, i] = K[i, j];
          }
        }
        K[N, N] = sq_alpha + delta;
        return cholesky_decompose(K);
      }
    }
    data { int<lower=1> N; int<lower=1> D; array[N] vector[D] x; vector[N] y; }
    parameters { vector<lower=0>[D] rho; real<lower=0> alpha; real<lower=0> sigma; vector[N] eta; }
    model {
      vector[N] f = L_cov_exp_quad_ARD(x, alpha, rho, 1e-6) * eta;
      rho ~ inv_gamma(5, 5);
      alpha ~ std_normal();
      sigma ~ std_normal();
      eta ~ std_normal();
      y ~ normal(f, sigma);
    }
    """

    public static let kernelByElementsData = DataSet([
        "N": .integer(6), "D": .integer(2), "y": .vector([0.4, -1.1, 0.7, 2.0, -0.3, 0.9]),
        "x": DataArray(shape: [6, 2], values: [0.1, 1.2, -0.7, 0.3, 1.5, -0.4, 0.9, 0.8, -1.3, -0.6, 0.2, 1.9]),
    ])

    /// A Gaussian dynamic linear model, `y ~ gaussian_dlm_obs(F, G, V, W, m0, C0)`, with two
    /// states and three observed series (F is 2 × 3), its matrices built from the unconstrained
    /// parameters (g, λ, log σ_v, log σ_w); V a matrix, or a vector (its diagonal) when
    /// `diagonalV`. Data: `dynamicLinearModelData` (T = 6).
    public static func dynamicLinearModel(diagonalV: Bool) -> String {
        let v = diagonalV ? "vector[3] V = [exp(2 * log_sv), 1, 0.5]';"
                          : "matrix[3, 3] V = [[exp(2 * log_sv), 0.1, 0], [0.1, 1, 0.2], [0, 0.2, 0.5]];"
        return """
        data { int T; matrix[3, T] y; vector[2] m0; cov_matrix[2] C0; }
        parameters { real g; real lambda; real log_sv; real log_sw; }
        model {
          matrix[2, 3] F = [[1, lambda, 0.5], [0.2, 1, -0.4]];
          matrix[2, 2] G = [[g, 0.2], [0, 0.9]];
          \(v)
          matrix[2, 2] W = diag_matrix(rep_vector(exp(2 * log_sw), 2));
          y ~ gaussian_dlm_obs(F, G, V, W, m0, C0);
        }
        """
    }

    /// The observations of `dynamicLinearModel`, one series per row, and the initial state's
    /// mean and covariance.
    public static let dynamicLinearModelSeries: [[Double]] = [
        [0.42, -1.31, 0.77, 1.92, -0.58, 0.13],
        [-0.95, 0.36, 1.48, -0.22, 0.61, -1.74],
        [1.05, 0.29, -0.63, 0.88, -1.16, 0.47],
    ]
    public static let dynamicLinearModelInitial = (mean: [0.3, -0.2], covariance: [[1.5, 0.2], [0.2, 0.8]])
    public static let dynamicLinearModelData = DataSet([
        "T": .integer(6), "y": .matrix(rows: dynamicLinearModelSeries),
        "m0": .vector(dynamicLinearModelInitial.mean), "C0": .matrix(rows: dynamicLinearModelInitial.covariance),
    ])

    /// Rows written over parts of a variable by two loops (BPA's MtX: the observed individuals'
    /// linear predictors, then the augmented ones' from their missing covariates), a row of an
    /// array of vectors in the branches of an if on data, and terms in a loop from a
    /// data-dependent start indexed at the loop index minus it (`x_mis[i - C]`). Data:
    /// `rowsOverPartsData`.
    public static let rowsOverParts = """
    data { int M; int C; int T; vector[C] x; array[M] int g; }
    parameters { row_vector[T] alpha; real beta; vector[M - C] x_mis; real mu; }
    transformed parameters {
      matrix[M, T] lp;
      array[M] vector[2] r;
      for (i in 1:C) lp[i] = alpha + beta * x[i];
      for (i in (C + 1):M) lp[i] = alpha + beta * x_mis[i - C];
      for (i in 1:M) {
        if (g[i] == 1) r[i] = [mu, beta]';
        else r[i] = [beta, i * mu]';
      }
    }
    model {
      alpha ~ normal(0, 1);
      beta ~ normal(0, 1);
      mu ~ normal(0, 1);
      for (i in (C + 1):M) x_mis[i - C] ~ normal(mu, 2);
      target += sum(lp);
      for (i in 1:M) r[i] ~ normal(0, 3);
    }
    """

    public static let rowsOverPartsData = DataSet([
        "M": .integer(7), "C": .integer(4), "T": .integer(3), "x": .vector([0.5, -1.2, 0.3, 2.0]), "g": .integers([1, 2, 1, 1, 2, 2, 1]),
    ])

    /// BUGS' equiv: in a loop nested in a vectorised one, an index that is two-dimensional
    /// integer data read at the row and the column (`sign[T[n, p]]`), and an array of fixed extent
    /// read over a loop whose extent is data (`sign[p]`). Data: `indexAtRowAndColumnData`.
    public static let indexAtRowAndColumn = """
    data { int N; int P; array[N, P] int T; array[2] int sign; array[N, P] real Y; }
    parameters { real mu; real phi; real pi; vector[N] delta; }
    model {
      for (n in 1:N) {
        vector[P] m;
        for (p in 1:P) m[p] = mu + sign[T[n, p]] * phi / 2 + sign[p] * pi / 2 + delta[n];
        Y[n] ~ normal(m, 1.5);
      }
    }
    """

    /// The values `VectorisedLoopEdgeTests.anIndexReadAtTheRowAndTheColumn` writes out.
    public static let indexAtRowAndColumnData = DataSet([
        "N": .integer(3), "P": .integer(2), "T": DataArray(shape: [3, 2], values: [1, 2, 2, 1, 1, 2], isInteger: true),
        "sign": .integers([1, -1]), "Y": .matrix(rows: [[0.3, -1.2], [1.1, 0.4], [-0.2, 0.9]]),
    ], source: "equiv.json")

    /// The Bradley–Terry team model (example-models' knitr/bradley-terry): each match's two
    /// teams' abilities, `sum(alpha[team1[n]])`, a row of two-dimensional integer data indexing a
    /// vector in a vectorised loop. Data: `rowOfIndicesData`.
    public static let rowOfIndices = """
    data { int K; int J; int N; array[N, J] int team0; array[N, J] int team1; array[N] int y; }
    parameters { vector[K] alpha; }
    model {
      alpha ~ normal(0, 1);
      for (n in 1:N) y[n] ~ bernoulli_logit(sum(alpha[team1[n]]) - sum(alpha[team0[n]]));
    }
    """

    public static let rowOfIndicesData = DataSet([
        "K": .integer(4), "J": .integer(2), "N": .integer(5),
        "team0": DataArray(shape: [5, 2], values: [1, 2, 3, 4, 1, 3, 2, 4, 4, 1], isInteger: true),
        "team1": DataArray(shape: [5, 2], values: [3, 4, 1, 2, 2, 4, 1, 3, 2, 3], isInteger: true),
        "y": .integers([1, 0, 0, 1, 1]),
    ], source: "team.json")

    /// Raykar et al.'s marginal likelihood of noisy raters (example-models' knitr/noisy-raters):
    /// scalars of a vectorised loop added to over a nested loop, in the branches of an `if` on
    /// the row's and the inner loop's data. Data: `conditionalIncrementsData`.
    public static let conditionalIncrements = """
    data { int N; int R; array[N, R] int<lower=0, upper=1> y; vector[N] x; }
    parameters { real w; vector<lower=0, upper=1>[R] alpha; vector<lower=0, upper=1>[R] beta; }
    model {
      for (n in 1:N) {
        real pos_sum = log_inv_logit(w * x[n]);
        real neg_sum = log1m_inv_logit(w * x[n]);
        for (r in 1:R) {
          if (y[n, r] == 1) {
            pos_sum += log(alpha[r]);
            neg_sum += log1m(beta[r]);
          } else {
            pos_sum += log1m(alpha[r]);
            neg_sum -= -log(beta[r]);
          }
        }
        target += log_sum_exp(pos_sum, neg_sum);
      }
    }
    """

    public static let conditionalIncrementsData = DataSet([
        "N": .integer(4), "R": .integer(3), "x": .vector([0.5, -1.0, 1.5, 0.2]),
        "y": DataArray(shape: [4, 3], values: [1, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0], isInteger: true),
    ], source: "raters.json")

    /// example-models' `cjs-K` (Schofield's Cormack–Jolly–Seber model): the probability of never
    /// being seen again filled backwards by a `while` loop that counts down, and in the model
    /// block a ragged loop from each individual's first capture to its last holding a density
    /// beside an `if` on the capture. Data: `countedLoopData` (I = 5, K = 5).
    public static let countedLoop = """
    data { int<lower=2> K; int<lower=0> I; array[I, K] int<lower=0, upper=1> X; }
    transformed data {
      array[I] int first = rep_array(K + 1, I);
      array[I] int last = rep_array(0, I);
      for (i in 1:I) for (k in 1:K) if (X[i, k] == 1) {
        if (k < first[i]) first[i] = k;
        if (k > last[i]) last[i] = k;
      }
    }
    parameters { vector<lower=0, upper=1>[K - 1] phi; vector<lower=0, upper=1>[K] p; }
    transformed parameters {
      vector<lower=0, upper=1>[K] chi;
      {
        int k;
        chi[K] = 1.0;
        k = K - 1;
        while (k > 0) {
          chi[k] = (1 - phi[k]) + phi[k] * (1 - p[k + 1]) * chi[k + 1];
          k = k - 1;
        }
      }
    }
    model {
      for (i in 1:I) {
        if (last[i] > 0) {
          for (k in (first[i] + 1):last[i]) {
            target += log(phi[k - 1]);
            if (X[i, k] == 1) target += log(p[k]);
            else target += log1m(p[k]);
          }
          target += log(chi[last[i]]);
        }
      }
    }
    """

    /// Capture histories for `countedLoop`, one row per individual (the third never seen).
    public static let countedLoopHistories = [[0, 1, 0, 1, 0], [1, 1, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 0, 1], [1, 0, 0, 1, 1]]
    public static let countedLoopData = DataSet([
        "K": .integer(5), "I": .integer(5),
        "X": DataArray(shape: [5, 5], values: countedLoopHistories.flatMap { $0 }.map(Double.init), isInteger: true),
    ], source: "cjs-K.json")

    /// BUGS' seeds cloned for data cloning (example-models' bugs_examples/vol3/data_cloning): a
    /// count per row against a vector of K clones of its random effect, `n[i] ~
    /// binomial_logit(N[i], a * x[i] + b[i])`. Data: `scalarBesideVectorPerRowData`.
    public static let scalarBesideVectorPerRow = """
    data { int I; int K; array[I] int n; array[I] int N; vector[I] x; }
    parameters { real a; array[I] vector[K] b; }
    model {
      a ~ normal(0, 1);
      for (i in 1:I) {
        b[i] ~ normal(0, 1);
        n[i] ~ binomial_logit(N[i], a * x[i] + b[i]);
      }
    }
    """

    public static let scalarBesideVectorPerRowData = DataSet([
        "I": .integer(3), "K": .integer(4), "n": .integers([2, 5, 0]), "N": .integers([6, 7, 3]), "x": .vector([0.4, -1.1, 0.9]),
    ], source: "seeds.json")

    /// The forward algorithm of example-models' semi-supervised HMM (misc/hmm/hmm-semisup): a
    /// recurrence over t reading `phi[k, u[t]]`, the emission of the word observed at the step (u
    /// integer data indexed by the step). Data: `stepDataIndexData` (K = 2, V = 3, T = 5).
    public static let stepDataIndex = """
    data { int K; int V; int T; array[T] int<lower=1, upper=V> u; }
    parameters { array[K] simplex[K] theta; array[K] simplex[V] phi; }
    model {
      array[K] real acc;
      array[T, K] real gamma;
      for (k in 1:K) gamma[1, k] = log(phi[k, u[1]]);
      for (t in 2:T) {
        for (k in 1:K) {
          for (j in 1:K) acc[j] = gamma[t - 1, j] + log(theta[j, k]) + log(phi[k, u[t]]);
          gamma[t, k] = log_sum_exp(acc);
        }
      }
      target += log_sum_exp(gamma[T]);
    }
    """

    public static let stepDataIndexWords = [2, 3, 1, 1, 3]
    public static let stepDataIndexData = DataSet([
        "K": .integer(2), "V": .integer(3), "T": .integer(5), "u": .integers(stepDataIndexWords),
    ], source: "hmm.json")

    /// BUGS' stagnant with its weights given as data: `mu`, declared at the top of the model
    /// block, filled for each change point k (`Lowering+PrivateLocals`), and a data vector's
    /// density given it per row (`Lowering.perRowOfVectors`). Data: `scratchArrayData`.
    public static let scratchArray = """
    data { int N; array[N] real x; array[N] real Y; vector[N] w; }
    parameters { real alpha; array[2] real beta; real log_sigma; }
    model {
      array[N] real log_probs;
      array[N] real mu;
      for (k in 1:N) {
        for (n in 1:N) mu[n] = alpha + ((n <= k) ? beta[1] : beta[2]) * (x[n] - x[k]);
        log_probs[k] = w[k] + normal_lpdf(Y | mu, exp(log_sigma));
      }
      target += log_sum_exp(log_probs);
    }
    """

    public static let scratchArrayX = [-1.3, -0.8, -0.2, 0.4, 0.9, 1.5], scratchArrayY = [1.1, 0.9, 0.5, 0.4, 0.1, -0.2]
    public static let scratchArrayWeights = [-1.9, -1.7, -1.6, -1.8, -1.75, -2.0]
    public static let scratchArrayData = DataSet([
        "N": .integer(6), "x": .vector(scratchArrayX), "Y": .vector(scratchArrayY), "w": .vector(scratchArrayWeights),
    ], source: "stagnant.json")

    /// The Cormack–Jolly–Seber models' probability of not being seen after each occasion
    /// (stan-dev/example-models' BPA/Ch.07, `prob_uncaptured`): a recurrence backwards along each
    /// row of a matrix, its indices locals declared first and assigned after, in a user function
    /// (`FillNest`'s levels), with `elementRecurrenceData` (N = 3, T = 4).
    public static let elementRecurrence = """
    functions {
      matrix prob_uncaptured(int nind, int n_occasions, matrix p, matrix phi) {
        matrix[nind, n_occasions] chi;
        for (i in 1:nind) {
          chi[i, n_occasions] = 1.0;
          for (t in 1:(n_occasions - 1)) {
            int t_curr;
            int t_next;
            t_curr = n_occasions - t;
            t_next = t_curr + 1;
            chi[i, t_curr] = (1 - phi[i, t_curr]) + phi[i, t_curr] * (1 - p[i, t_next - 1]) * chi[i, t_next];
          }
        }
        return chi;
      }
    }
    data { int N; int T; matrix[N, T] w; }
    parameters { matrix<lower=0, upper=1>[N, T - 1] phi; matrix<lower=0, upper=1>[N, T - 1] p; }
    transformed parameters { matrix[N, T] chi = prob_uncaptured(N, T, p, phi); }
    model { target += sum(log(chi) .* w); }
    """

    public static let elementRecurrenceData = DataSet([
        "N": .integer(3), "T": .integer(4),
        "w": .matrix(rows: [[1, 2, 0.5, 3], [0.2, 1.5, 2, 1], [3, 0.1, 1, 2]]),
    ])

    /// A nest filling a matrix with a condition on data, a local and a pre-loop value kept where
    /// nothing writes; elements at data indices, one written twice (the last write wins); log
    /// densities stored per element (`Lowering+FillLoops`), with `fillLoopsData`.
    public static let fillLoops = """
    data { int N; array[7] int row; array[7] int col; vector[N] y; matrix[N, N] w; }
    parameters { real a; real<lower=0> b; vector[7] z; vector[2] mu; }
    transformed parameters {
      matrix[N, N] M = rep_matrix(a, N, N);
      array[N] vector[2] P;
      matrix[2, N] lo;
      for (i in 1:N) {
        for (j in i:N) {
          real d = (j - i) * b + y[j];
          if (i == j) M[i, i] = exp(b);
          else M[i, j] = d * a;
        }
      }
      for (n in 1:7) P[row[n], col[n]] = z[n];
      for (n in 1:N) {
        lo[1, n] = normal_lpdf(y[n] | mu[1], b);
        lo[2, n] = normal_lpdf(y[n] | mu[2], b);
      }
    }
    model {
      a ~ normal(0, 1);
      b ~ lognormal(0, 1);
      z ~ normal(0, 1);
      mu ~ normal(0, 2);
      target += sum(w .* M) - 0.05 * sum(M .* M) + sum(lo);
      for (n in 1:N) target += dot_product(P[n], [1, -2]');
    }
    """

    public static let fillLoopsData = DataSet([
        "N": .integer(3), "row": .integers([3, 1, 2, 1, 2, 3, 1]), "col": .integers([1, 2, 2, 1, 1, 2, 2]),
        "y": .vector([0.5, -0.2, 1.4]), "w": .matrix(rows: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
    ])

    /// `if` on the loop index inside a vectorised loop (`RowConditionTests`, the OpenCL parity):
    /// rows with a data condition: a discrete outcome of the selected rows (`y[n]`), a parameter
    /// indexed by the row (`mu[n]`), a term that does not depend on the row (counted once per
    /// row), and a nested `if` on the index.
    public static let rowConditions = """
    data { int N; array[N] int y; vector[N] x; array[N] int group; }
    parameters { vector[N] mu; real<lower=0, upper=1> omega; real b; }
    model {
      mu ~ normal(0, 1);
      b ~ normal(0, 1);
      for (n in 1:N) {
        if (group[n] == 1) {
          y[n] ~ bernoulli_logit(mu[n] + b * x[n]);
        } else {
          target += log_sum_exp(log(omega), log1m(omega)) + bernoulli_lpmf(0 | omega);
          if (x[n] > 0) target += normal_lpdf(x[n] | mu[n], 2);
        }
      }
    }
    """

    /// Assignments inside an `if` on the loop index (`RowConditionTests`, the OpenCL parity): a
    /// transformed parameter set in both branches, one set in one branch over a value it already
    /// has, a model-block matrix's rows, and a branch (log of data) that would be NaN on the
    /// other branch's rows.
    public static let rowConditionAssignments = """
    data { int N; array[N] int y; vector[N] x; array[N] int group; }
    transformed data { row_vector[2] c = [1, 2]; }
    parameters { vector[N] mu; real<lower=0, upper=1> omega; real b; }
    transformed parameters {
      vector[N] eta;
      vector[N] scale = rep_vector(1.5, N);
      for (n in 1:N) {
        if (group[n] == 1) {
          eta[n] = mu[n] + b * x[n];
        } else {
          eta[n] = omega * mu[n];
          scale[n] = 1 + omega;
        }
      }
    }
    model {
      matrix[N, 2] m;
      mu ~ normal(0, 1);
      b ~ normal(0, 1);
      for (n in 1:N) {
        if (x[n] > 0) m[n] = log(x[n]) * b + mu[n] * c;
        else m[n] = b + 2 * mu[n] * c;
      }
      y ~ bernoulli_logit(eta);
      x ~ normal(m[:, 1] + m[:, 2], scale);
    }
    """

    public static let rowConditionsData = DataSet(["N": .integer(6), "y": .integers([1, 0, 1, 1, 0, 0]),
                                                   "x": .vector([0.5, -1, 2, 0.3, 1.5, -0.7]),
                                                   "group": .integers([1, 2, 1, 2, 2, 1])],
                                                  source: "test")
}
