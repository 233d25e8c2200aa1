/// Stan's built-in functions that Leapfrog defines in Stan: compiled with the program as if its
/// functions block held them (`StanProgram.compile`), so the lowering inlines them into the graph
/// (a loop whose steps depend on each other becomes the graph's `loop`, run inside the OpenCL
/// kernel) and the host interpreter runs them where it runs a block. A program's own function of
/// the same name takes precedence. An error inside one is reported at its call (`Lowering.fail`).
enum StanLibrary {
    /// The path errors name for the library's own source.
    static let path = "Sources/LeapfrogStan/StanLibrary.swift"

    /// The hidden Markov model functions (Stan Functions Reference, "Hidden Markov Models"): K
    /// states, N observations; `log_omega` [K, N] holds log p(yₙ | zₙ = k), `Gamma` [K, K] the
    /// transition matrix, Γᵢⱼ = p(zₙ₊₁ = j | zₙ = i) (rows are simplexes), `rho` [K] the initial
    /// state's distribution.
    ///
    /// - `hmm_marginal`: log p(y), the states summed out by the forward algorithm (Rabiner 1989,
    ///   eq. 19–21): αₙ = ωₙ ∘ (Γᵀ αₙ₋₁), α₁ = ωₙ ∘ ρ, p(y) = Σₖ α_N,k; carried on the log scale,
    ///   normalised at every step by the log-sum-exp m of the previous α so that exp never
    ///   overflows: log αₙ = log ωₙ + log(Γᵀ exp(log αₙ₋₁ − m)) + m. O(N K²).
    /// - `hmm_hidden_state_prob`: the [K, N] marginal posterior probabilities p(zₙ = k | y), by the
    ///   forward–backward algorithm with each column normalised.
    /// - `hmm_latent_rng`: a draw of the states z₁…z_N from p(z | y), by forward filtering and
    ///   backward sampling: z_N from α_N, then zₙ from αₙ ∘ Γ[:, zₙ₊₁] (normalised).
    ///
    /// `hmm_marginal` rejects, as Stan's does, where ρ or a row of Γ is not a simplex: sums
    /// further than 1e-5 from 1 (Stan's tolerance is 1e-8, but in f32 a simplex's elements sum to
    /// 1 only within a few 1e-7). The other two run in generated quantities, where Leapfrog has no
    /// `reject`; they take what the model's `hmm_marginal` accepted.
    static let source = """
    functions {
      real hmm_marginal(matrix log_omega, matrix Gamma, vector rho) {
        if (abs(sum(rho) - 1) > 1e-5 || dot_self(Gamma * rep_vector(1, cols(Gamma)) - 1) > 1e-10)
          reject("rho and the rows of Gamma must be simplexes");
        matrix[cols(log_omega), rows(log_omega)] log_omega_t = log_omega';
        vector[rows(log_omega)] log_alpha = log(rho) + log_omega_t[1]';
        for (n in 2:cols(log_omega)) {
          real m = log_sum_exp(log_alpha);
          log_alpha = log_omega_t[n]' + log(Gamma' * exp(log_alpha - m)) + m;
        }
        return log_sum_exp(log_alpha);
      }
      matrix hmm_hidden_state_prob(matrix log_omega, matrix Gamma, vector rho) {
        int K = rows(log_omega);
        int N = cols(log_omega);
        matrix[K, N] omega;
        matrix[K, N] alpha;
        matrix[K, N] beta;
        matrix[K, N] prob;
        for (n in 1:N) {
          omega[:, n] = exp(log_omega[:, n] - max(log_omega[:, n]));
        }
        alpha[:, 1] = rho .* omega[:, 1];
        alpha[:, 1] = alpha[:, 1] / sum(alpha[:, 1]);
        for (n in 2:N) {
          alpha[:, n] = (Gamma' * alpha[:, n - 1]) .* omega[:, n];
          alpha[:, n] = alpha[:, n] / sum(alpha[:, n]);
        }
        beta[:, N] = rep_vector(1, K);
        for (r in 1:(N - 1)) {
          int n = N - r;
          beta[:, n] = Gamma * (omega[:, n + 1] .* beta[:, n + 1]);
          beta[:, n] = beta[:, n] / sum(beta[:, n]);
        }
        for (n in 1:N) {
          prob[:, n] = alpha[:, n] .* beta[:, n];
          prob[:, n] = prob[:, n] / sum(prob[:, n]);
        }
        return prob;
      }
      array[] int hmm_latent_rng(matrix log_omega, matrix Gamma, vector rho) {
        int K = rows(log_omega);
        int N = cols(log_omega);
        matrix[K, N] alpha;
        array[N] int z;
        alpha[:, 1] = rho .* exp(log_omega[:, 1] - max(log_omega[:, 1]));
        alpha[:, 1] = alpha[:, 1] / sum(alpha[:, 1]);
        for (n in 2:N) {
          alpha[:, n] = (Gamma' * alpha[:, n - 1]) .* exp(log_omega[:, n] - max(log_omega[:, n]));
          alpha[:, n] = alpha[:, n] / sum(alpha[:, n]);
        }
        z[N] = categorical_rng(alpha[:, N]);
        for (r in 1:(N - 1)) {
          int n = N - r;
          vector[K] p = alpha[:, n] .* Gamma[:, z[n + 1]];
          z[n] = categorical_rng(p / sum(p));
        }
        return z;
      }
    }
    """

    /// The library's functions by name, each marked `library`.
    static let functions: [String: FunctionDefinition] = {
        let diagnostics = Diagnostics(path: path, source: source)
        do {
            var lexer = Lexer(source: source, diagnostics: diagnostics)
            var parser = Parser(tokens: try lexer.tokenize(), diagnostics: diagnostics)
            return try parser.parseProgram().functions.mapValues { f in
                var f = f
                f.library = true
                return f
            }
        } catch {
            preconditionFailure("StanLibrary: its source does not parse: \(error)")
        }
    }()

    /// `program` with the library's functions it does not define itself.
    static func adding(to program: Program) -> Program {
        var out = program
        out.functions.merge(functions) { own, _ in own }
        return out
    }
}
