import LeapfrogData
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Loops filling variables element by element (`Lowering+FillLoops`): equal to the same values
/// written as whole expressions, in value and gradient.
@Suite struct FillLoopTests {
    /// A kernel matrix filled by its upper triangle, the lower half copied from it: the kernel
    /// `gp_exp_quad_cov` of the inputs scaled by the length scales.
    @Test func aKernelMatrixFilledByItsTriangleIsTheKernel() throws {
        let whole = """
        data { int<lower=1> N; int<lower=1> D; array[N] vector[D] x; vector[N] y; }
        parameters { vector<lower=0>[D] rho; real<lower=0> alpha; real<lower=0> sigma; vector[N] eta; }
        model {
          array[N] vector[D] xs;
          for (n in 1:N) xs[n] = x[n] ./ rho;
          vector[N] f = cholesky_decompose(add_diag(gp_exp_quad_cov(xs, alpha, 1.0), 1e-6)) * eta;
          rho ~ inv_gamma(5, 5);
          alpha ~ std_normal();
          sigma ~ std_normal();
          eta ~ std_normal();
          y ~ normal(f, sigma);
        }
        """
        expectEquivalent(try stanReference(StanFixtures.kernelByElements, StanFixtures.kernelByElementsData),
                         try stanReference(whole, StanFixtures.kernelByElementsData))
    }

    /// Conditions on the loop indices, a local, elements never written keeping the value before
    /// the loop, elements at data indices (the last of two writes kept) and per-element log
    /// densities: the matrices written out.
    @Test func conditionsDataIndicesAndLogDensitiesPerElement() throws {
        let whole = """
        data { int N; array[7] int row; array[7] int col; vector[N] y; matrix[N, N] w; }
        parameters { real a; real<lower=0> b; vector[7] z; vector[2] mu; }
        transformed parameters {
          matrix[3, 3] M = [[exp(b), (b + y[2]) * a, (2 * b + y[3]) * a], [a, exp(b), (b + y[3]) * a], [a, a, exp(b)]];
          array[3] vector[2] P = {[z[4], z[7]]', [z[5], z[3]]', [z[1], z[6]]'};
        }
        model {
          a ~ normal(0, 1);
          b ~ lognormal(0, 1);
          z ~ normal(0, 1);
          mu ~ normal(0, 2);
          target += sum(w .* M) - 0.05 * sum(M .* M) + normal_lpdf(y | mu[1], b) + normal_lpdf(y | mu[2], b);
          for (n in 1:3) target += dot_product(P[n], [1, -2]');
        }
        """
        expectEquivalent(try stanReference(StanFixtures.fillLoops, StanFixtures.fillLoopsData),
                         try stanReference(whole, StanFixtures.fillLoopsData))
    }

    /// A rectangular nest over a matrix's columns and rows (BPA's GLMM: `log_lambda[i, j] = mu +
    /// beta2 * first[i, j] + alpha[j] + eps[i]`), one loop over two indices of a vector array,
    /// and a loop starting past 1 filling the rest of a vector (`F[1, i + 1] = lambda[i]`).
    @Test func rectangularNestsAndShiftedIndices() throws {
        let first: [Double] = [1, 0, 0, 1, 1, 1]
        let data = DataSet(["I": .integer(3), "J": .integer(2), "first": DataArray(shape: [3, 2], values: first, isInteger: true),
                            "firstm": DataArray(shape: [3, 2], values: first), "wl": .matrix(rows: [[1, 2], [3, 4], [5, 6]])])
        let loops = """
        data { int I; int J; array[I, J] int first; matrix[I, J] wl; }
        parameters { real mu; real beta2; vector[J] alpha; vector[I] eps; vector[J - 1] lambda; }
        transformed parameters {
          matrix[I, J] L;
          row_vector[J] F;
          for (j in 1:J) for (i in 1:I) L[i, j] = mu + beta2 * first[i, j] + alpha[j] + eps[i];
          F[1] = 1;
          for (i in 1:(J - 1)) F[i + 1] = lambda[i];
        }
        model {
          mu ~ normal(0, 1); beta2 ~ normal(0, 1); alpha ~ normal(0, 1); eps ~ normal(0, 1); lambda ~ normal(0, 1);
          target += sum(L .* wl) - 0.5 * sum(L .* L) + normal_lpdf(F | [0.5, -1], 1);
        }
        """
        let whole = """
        data { int I; int J; matrix[I, J] firstm; matrix[I, J] wl; }
        parameters { real mu; real beta2; vector[J] alpha; vector[I] eps; vector[J - 1] lambda; }
        transformed parameters {
          matrix[I, J] L = mu + beta2 * firstm + rep_matrix(alpha', I) + rep_matrix(eps, J);
          row_vector[J] F = append_col([1], lambda');
        }
        model {
          mu ~ normal(0, 1); beta2 ~ normal(0, 1); alpha ~ normal(0, 1); eps ~ normal(0, 1); lambda ~ normal(0, 1);
          target += sum(L .* wl) - 0.5 * sum(L .* L) + normal_lpdf(F | [0.5, -1], 1);
        }
        """
        expectEquivalent(try stanReference(loops, data), try stanReference(whole, data))
    }

    /// Loops whose bounds depend on the outer index through data, two of them reusing the inner
    /// index's name (the Cormack–Jolly–Seber models' constraints: 0 before the first capture,
    /// the mean survival after): the mask written out.
    @Test func raggedNestsReusingAnIndexName() throws {
        let data = DataSet(["nind": .integer(3), "n": .integer(4), "first": .integers([1, 2, 4]),
                            "after": .matrix(rows: [[1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 0, 1]]),
                            "w": .matrix(rows: [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]])])
        let loops = """
        data { int nind; int n; array[nind] int first; matrix[nind, n] w; }
        parameters { real<lower=0, upper=1> mean_phi; }
        transformed parameters {
          matrix<lower=0, upper=1>[nind, n] phi;
          for (i in 1:nind) {
            for (t in 1:(first[i] - 1)) phi[i, t] = 0;
            for (t in first[i]:n) phi[i, t] = mean_phi;
          }
        }
        model { target += sum(phi .* w); }
        """
        let whole = """
        data { int nind; int n; matrix[nind, n] after; matrix[nind, n] w; }
        parameters { real<lower=0, upper=1> mean_phi; }
        transformed parameters { matrix<lower=0, upper=1>[nind, n] phi = mean_phi * after; }
        model { target += sum(phi .* w); }
        """
        expectEquivalent(try stanReference(loops, data), try stanReference(whole, data))
    }

    /// A scalar assigned in the loop and read after it in the same iteration (BUGS' hepatitis:
    /// `oldn = idxn1[n]; m[n] = alpha[oldn] + …;`) stands for its value there, and after the
    /// loop holds its last: the loop written without it.
    @Test func aScalarAssignedInTheLoopIsItsValue() throws {
        let data = DataSet(["N": .integer(4), "g": .integers([1, 3, 2, 3]), "x": .vector([0.5, -1, 2]),
                            "y": .vector([0.1, 0.2, 0.3, 0.4])])
        let head = "data { int N; array[N] int g; vector[3] x; vector[N] y; } parameters { vector[3] a; }\n"
        let loops = head + """
        model {
          int k;
          array[N] real m;
          for (n in 1:N) {
            k = g[n];
            m[n] = a[k] * x[k];
          }
          a ~ normal(0, 1);
          y ~ normal(m, 1);
          target += k * 0.1 * a[1];
        }
        """
        let whole = head + """
        model {
          array[N] real m;
          for (n in 1:N) m[n] = a[g[n]] * x[g[n]];
          a ~ normal(0, 1);
          y ~ normal(m, 1);
          target += g[N] * 0.1 * a[1];
        }
        """
        expectEquivalent(try stanReference(loops, data), try stanReference(whole, data))
    }

    /// Two writes to one element in different statements: the last in Stan's order wins, not
    /// the later statement (x[1] is written by the first statement at i = 2, after the second
    /// wrote it at i = 1).
    @Test func theLastWriteInStansOrderWins() throws {
        let head = "parameters { real a; real b; }\n"
        let tail = " model { a ~ normal(0, 1); b ~ normal(0, 1); target += dot_product(x, [3, -5]'); }"
        let loops = head + "transformed parameters { vector[2] x; for (i in 1:2) { x[1] = a * i; x[i] = b; } }" + tail
        let whole = head + "transformed parameters { vector[2] x = [2 * a, b]'; }" + tail
        expectEquivalent(try stanReference(loops, DataSet()), try stanReference(whole, DataSet()))
    }

    /// A nest reading elements its other steps write (the Cormack–Jolly–Seber models' backward
    /// recurrence along a row) is not a fill loop; the refusal says so.
    @Test func aRecurrenceAlongElementsIsNamed() {
        let message = compileError("""
        data { int N; int T; }
        parameters { matrix<lower=0, upper=1>[N, T] phi; }
        transformed parameters {
          matrix[N, T] chi;
          for (i in 1:N) {
            chi[i, T] = 1.0;
            for (t in 1:(T - 1)) chi[i, T - t] = phi[i, T - t] * chi[i, T - t + 1];
          }
        }
        model { }
        """)
        #expect(message.contains("reads elements of 'chi' that its other steps write"), "\(message)")
    }

    /// An index outside the variable stops the binding, naming the variable, the index and
    /// where it is written; a loop reading elements it wrote in other iterations is not a fill
    /// loop (it carries a recurrence) and is refused as before.
    @Test func anIndexOutOfRangeIsNamed() throws {
        let program = """
        data { int N; }
        parameters { real a; }
        transformed parameters {
          matrix[N, N] M = rep_matrix(0, N, N);
          for (i in 1:N) M[i, i + 1] = a;
        }
        model { a ~ normal(0, 1); }
        """
        let message = errorMessage { _ = try stanReference(program, DataSet(["N": .integer(3)])) }
        #expect(message.contains("index 4 is out of range 1…3 in an assignment to 'M' (its index 2)"), "\(message)")
        #expect(message.contains("5:"), "\(message)")
    }
}
