import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `x[a:b] = v`, `x[k] = v`, `x[idx] = v` and `m[:, j] = v` with data-dependent indices (Lowering+PartAssignment): values,
/// gradients against finite differences, and posteriordb's IRT form written out.
@Suite struct PartAssignmentTests {
    static let program = StanFixtures.partAssignment

    static let data = StanFixtures.partAssignmentData

    /// Parts of a matrix's rows and columns: `m[i, a:b] = v`, `m[i, :] = v`, `m[a:b, j] = v` (an
    /// HMM's transition matrix built row by row, the Stan case studies' hmm-example), equal to
    /// the matrix written out.
    @Test func partsOfRowsAndColumns() throws {
        let header = "parameters { simplex[2] t1; simplex[3] t2; simplex[2] t3; real a; }\n"
        let footer = "\nmodel { a ~ normal(0, 1); target += sum(G .* [[1, 2, 3], [4, 5, 6], [7, 8, 9]]); }"
        let parts = header + """
        transformed parameters {
          matrix[3, 3] G = rep_matrix(0, 3, 3);
          G[1, 1:2] = t1';
          G[2, :] = t2';
          G[3, 2:3] = t3';
          G[2:3, 1] = [a, 2 * a]';
        }
        """ + footer
        let whole = header + """
        transformed parameters { matrix[3, 3] G = [[t1[1], t1[2], 0], [a, t2[2], t2[3]], [2 * a, t3[1], t3[2]]]; }
        """ + footer
        expectEquivalent(try stanReference(parts, DataSet()), try stanReference(whole, DataSet()))
        // Unassigned, a matrix's other elements are 0 (as the rows' parts are written into).
        let partial = "parameters { vector[2] v; } transformed parameters { matrix[2, 3] M; M[2, 2:3] = v'; } "
            + "model { v ~ normal(0, 1); target += sum(M .* [[5, 5, 5], [1, 2, 3]]); }"
        let written = "parameters { vector[2] v; } model { v ~ normal(0, 1); target += 2 * v[1] + 3 * v[2]; }"
        expectEquivalent(try stanReference(partial, DataSet()), try stanReference(written, DataSet()))
    }

    /// Columns of a two-dimensional array, as a matrix's: `x[:, j] = v` with v an array of reals,
    /// `x[:, 2:3] = B` with B two-dimensional.
    @Test func columnsOfATwoDimensionalArray() throws {
        let header = "parameters { real a; real b; } "
        let footer = " model { a ~ normal(0, 1); b ~ normal(0, 1); for (i in 1:3) target += dot_product(to_vector(x[i]), [1, 2, 3]'); }"
        let parts = header + """
        transformed parameters {
          array[3, 3] real x;
          x[:, 1] = {a, 2 * a, b};
          x[:, 2:3] = {{b, 1}, {a * b, 2}, {3, a}};
        }
        """ + footer
        let whole = header + "transformed parameters { array[3, 3] real x = {{a, b, 1}, {2 * a, a * b, 2}, {b, 3, a}}; }" + footer
        expectEquivalent(try stanReference(parts, DataSet()), try stanReference(whole, DataSet()))
    }

    @Test func valuesAndGradients() throws {
        let stan = try stanReference(Self.program, Self.data)
        // u: beta_free (3), a, w (2).
        let u: [Double] = [1, 2, 3, 4, 5, 6]
        let d = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues(u)))
        #expect((1...4).map { d["beta[\($0)]"] ?? .nan } == [1, 2, 3, -6])
        #expect((1...5).map { d["c[\($0)]"] ?? .nan } == [4, 4, 5, 6, 8])
        var rng = TestRandom(seed: 7)
        for _ in 0..<4 {
            let x = rng.vector(stan.dimension, -1.5, 1.5)
            #expect(GradientCheck.worstRelativeError(stan, at: x) < GradientCheck.tolerance)
        }
    }

    @Test func theIRTSumToZeroIsTheWrittenOutOne() throws {
        let written = """
        data { int I; int k; vector[I] y; }
        parameters { vector[I - 1] beta_free; real a; vector[2] w; }
        model {
          y[1:(I - 1)] ~ normal(beta_free, 1);
          y[I] ~ normal(-sum(beta_free), 1);
          a ~ normal(0, 1);
          w ~ normal(0, 1);
          a ~ normal(1, 2); a ~ normal(1, 2);
          w ~ normal(1, 2);
          2 * a ~ normal(1, 2);
        }
        """
        expectEquivalent(try stanReference(Self.program, Self.data), try stanReference(written, Self.data))
    }

    /// The missing-data idiom: `y[ii_obs] = y_obs; y[ii_mis] = y_mis;` (multi-indices), the same
    /// as loops (`y[ii_obs[n]] = y_obs[n]`), and a column block `m[:, 2] = …`, against the
    /// permutation written out (`append_row(y_obs, y_mis)[perm]`); a repeated index keeps the
    /// last value written, as Stan's sequential assignments do.
    @Test func multiIndicesLoopsAndColumns() throws {
        let data = DataSet(["N": .integer(7), "N_obs": .integer(5), "N_mis": .integer(2), "ii_obs": .integers([1, 2, 4, 5, 7]),
                            "ii_mis": .integers([3, 6]), "y_obs": .vector([0.3, 0.8, 1.5, 0.9, -0.2]),
                            "perm": .integers([1, 2, 6, 3, 4, 7, 5])], source: "test")
        let head = """
            data { int N; int N_obs; int N_mis; array[N_obs] int ii_obs; array[N_mis] int ii_mis; vector[N_obs] y_obs; array[N] int perm; }
            parameters { vector[N_mis] y_mis; real mu; real<lower=0> sigma; }
            """
        let model = "model { mu ~ normal(0, 5); sigma ~ exponential(1); y[1] ~ normal(mu, sigma); y[2:N] ~ normal(mu + 0.5 * (y[1:(N - 1)] - mu), sigma); }"
        let written = try stanReference(head + "transformed parameters { vector[N] y = append_row(y_obs, y_mis)[perm]; }\n" + model, data)
        for assignments in ["y[ii_obs] = y_obs; y[ii_mis] = y_mis;",
                            "for (n in 1:N_obs) y[ii_obs[n]] = y_obs[n]; for (n in 1:N_mis) y[ii_mis[n]] = y_mis[n];",
                            "y[ii_mis] = rep_vector(0, N_mis); y[ii_obs] = y_obs; y[ii_mis] = y_mis;",
                            "matrix[N, 2] m; m[ii_obs] = append_col(y_obs, y_obs); m[ii_mis] = append_col(y_mis, y_mis); y = m[:, 2];",
                            "matrix[N, 2] m = rep_matrix(1, N, 2); m[:, 2] = append_row(y_obs, y_mis)[perm]; y = m[:, 2] + m[:, 1] - 1;"] {
            let stan = try stanReference(head + "transformed parameters { vector[N] y; { \(assignments) } }\n" + model, data)
            expectEquivalent(stan, written)
        }
        // A repeated index: the last write wins; an index outside the vector is named when the data arrive.
        let repeated = try stanReference("""
            data { array[3] int idx; } parameters { vector[3] v; }
            transformed parameters { vector[2] x; x[idx] = v; }
            model { v ~ normal(0, 1); }
            """, DataSet(["idx": .integers([2, 1, 2])], source: "test"))
        let d = Dictionary(uniqueKeysWithValues: zip(repeated.model.derivedElementNames, repeated.derivedValues([4, 5, 6])))
        #expect([d["x[1]"], d["x[2]"]] == [5, 6])
        let message = errorMessage { _ = try stanReference("""
            data { array[3] int idx; } parameters { vector[3] v; }
            transformed parameters { vector[2] x; x[idx] = v; }
            """, DataSet(["idx": .integers([2, 3, 1])], source: "test")) }
        #expect(message.contains("test.stan:2:39: error: index 3 is out of range 1…2 in an assignment (element 2 of the indices)"), "\(message)")
    }

    /// A loop's writes `y[g[n]] = …` are applied together, which is Stan's loop only when nothing
    /// else in the loop reads or writes y: otherwise refused. And a value whose rows differ from
    /// the rows written is named when the data are read (extra rows were dropped).
    @Test func scattersThatCannotBeVectorisedAndSizeMismatchesAreRefused() throws {
        let head = "data { int K; array[K] int g; array[K] int h; vector[K] v; } parameters { real a; }\n"
        // Over 1:K (a loop whose steps may depend on each other): refused as a recurrence would be.
        #expect(compileError(head + "transformed parameters { vector[K] y = rep_vector(0, K); vector[K] z; "
                             + "for (n in 1:K) { z[n] = y[n]; y[g[n]] = v[n]; } }")
            .contains("error: assigning to part of 'y' is only supported as"))
        // Over a constant range the loop is unrolled, one step after the other, as Stan runs it:
        // g = (2, 1) writes y[2] = 1 after reading z[1] = y[1] = 0, then z[2] = y[2] = 1, y[1] = 2.
        let fixed = "data { array[2] int g; vector[2] v; } parameters { real a; }\n"
        let unrolled = try stanReference(fixed + "transformed parameters { vector[2] y = rep_vector(0, 2); vector[2] z; "
                                         + "for (n in 1:2) { z[n] = y[n]; y[g[n]] = v[n]; } }\nmodel { a ~ normal(0, 1); }",
                                         DataSet(["g": .integers([2, 1]), "v": .vector([1, 2])], source: "test"))
        #expect(Array(unrolled.derivedValues([0.3]).suffix(4)) == [2, 1, 0, 1])
        let data = DataSet(["K": .integer(2), "idx": .integers([1]), "v": .vector([1, 2]), "a": .integer(2), "b": .integer(2)], source: "d.json")
        for assignment in ["x[idx] = v;", "x[a:b] = v;"] {
            let message = errorMessage { _ = try stanReference("""
                data { int K; array[1] int idx; vector[K] v; int a; int b; }
                parameters { real m; }
                transformed parameters { vector[K] x = rep_vector(m, K); \(assignment) }
                """, data) }
            #expect(message.contains("size mismatch in an assignment: 1 row written, but the value has 2"), "\(message)")
        }
    }

    @Test func otherPartsAreStillRefusedByName() {
        let head = "data { int N; array[2] int idx; } parameters { vector[2] v; }\n"
        #expect(compileError(head + "transformed parameters { matrix[N, 2] x; for (n in 1:N) x[idx[n] + 1, 1:2] = v'; }")
            .contains("error: assigning to part of 'x' is only supported as x[n] = … in a loop"))
    }

    /// `m[:, j] = a[j] + e` in `for (j in 1:J)` over all of m's columns (posteriordb's Mth):
    /// the matrix of a[j] + e[i], against the likelihood written out here.
    @Test func aColumnPerStepFillsTheMatrix() throws {
        let source = """
        data { int M; int J; matrix[M, J] y; }
        parameters { vector[J] a; vector[M] e; }
        transformed parameters {
          matrix[M, J] m;
          for (j in 1:J) m[:, j] = a[j] + e;
        }
        model { a ~ normal(0, 1); e ~ normal(0, 1); to_vector(y) ~ normal(to_vector(m), 1); }
        """
        let (rows, columns) = (4, 3)
        let y = (0..<rows).map { i in (0..<columns).map { j in Double(i * 3 + j) / 5 - 1 } }
        let data = DataSet(["M": .integer(rows), "J": .integer(columns), "y": .matrix(rows: y)], source: "test")
        let stan = try stanReference(source, data)
        func lp(_ u: [Double]) -> Double {
            let (a, e) = (Array(u[0..<columns]), Array(u[columns...]))
            var t = (a + e).reduce(0) { $0 - $1 * $1 / 2 }
            for i in 0..<rows { for j in 0..<columns { let r = y[i][j] - (a[j] + e[i]); t -= r * r / 2 } }
            return t
        }
        var rng = TestRandom(seed: 3)
        let (u0, u1) = (rng.vector(rows + columns, -1, 1), rng.vector(rows + columns, -1, 1))
        #expect(abs((stan.logDensity(u1) - stan.logDensity(u0)) - (lp(u1) - lp(u0))) < 1e-10)
        #expect(GradientCheck.worstRelativeError(stan, at: u1) < GradientCheck.tolerance)
        #expect(compileError("data { int M; int J; } parameters { vector[M] e; } transformed parameters { matrix[M, J] m; "
                             + "for (j in 1:J) m[:, j] = e; }").contains("takes a vector of M that depends on j"))
    }

    @Test func aRangeOutsideTheVectorIsReportedWhenTheDataArrive() {
        let message = errorMessage { _ = try stanReference(Self.program, DataSet(["I": .integer(4), "k": .integer(5), "y": .vector([0.3, -1, 2, 0.5])])) }
        #expect(message.contains("range 5:6 is out of range 1…5 in an assignment"), "\(message)")
    }

    /// `a[t][j] = …` (posteriordb's iohmm_reg) is `a[t, j] = …` when the indices before the last
    /// brackets are loop variables and constants; with an index that could be an array of
    /// indices (`a[idx][1]`, which Stan reads as a[idx[1]]) it is named.
    @Test func chainedIndicesOnTheLeft() throws {
        let program = { (target: String) in
            """
            data { int T; }
            parameters { matrix[T, 2] w; }
            transformed parameters {
              array[T] vector[2] a;
              for (t in 1:T) for (j in 1:2) \(target) = w[t, j] * 2;
            }
            model { to_vector(w) ~ normal(0, 1); for (t in 1:T) a[t] ~ normal(1, 2); }
            """
        }
        let data = DataSet(["T": .integer(3)], source: "test")
        expectEquivalent(try stanReference(program("a[t][j]"), data), try stanReference(program("a[t, j]"), data))
        #expect(compileError("data { array[2] int idx; } parameters { real x; }\ntransformed parameters { array[3] vector[2] a; a[idx][1] = x; }")
            .hasPrefix("m.stan:2:58: error: the left-hand side of an assignment must be a variable or an indexed variable (chained as x[i][j] only"))
    }

    /// `h[1] /= s` and `v[2:3] += w` outside a vectorised loop are the element or part read, then
    /// written (the User's Guide's stochastic volatility model scales its first state so).
    @Test func compoundAssignmentsToParts() throws {
        let program = { (statements: String) in
            """
            parameters { vector[3] z; real<lower=-1, upper=1> phi; vector[2] w; }
            transformed parameters {
              vector[3] h = z;
              \(statements)
            }
            model { z ~ std_normal(); w ~ normal(0, 2); h ~ normal(1, 3); }
            """
        }
        let data = DataSet(source: "test")
        expectEquivalent(try stanReference(program("h[1] /= sqrt(1 - phi * phi); h[2:3] += w;"), data),
                         try stanReference(program("h[1] = h[1] / sqrt(1 - phi * phi); h[2:3] = h[2:3] + w;"), data))
    }
}
