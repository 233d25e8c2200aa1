import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogRandom
import Testing
@testable import LeapfrogStan

/// User-defined functions on the host (`HostInterpreter+Functions`): in transformed data (run
/// once when the model meets its data) and in generated quantities run per draw, with returns
/// anywhere in the body; and the host's vector functions.
@Suite struct HostInterpreterFunctionsTests {
    /// posteriordb's `obtain_adjustments` (from `2pl_latent_reg_irt`, stan-dev/posteriordb,
    /// BSD-3-Clause): per column of W, its mean and either its range or twice its sd. As Stan
    /// parses it, `minmax_count + W[j, k] == min_w || W[j, k] == max_w` is
    /// `((minmax_count + W[j, k]) == min_w) || (W[j, k] == max_w)`, so the count ends as the last
    /// row's test (0 or 1) and, with 3 rows, every column after the first gets twice its sd.
    /// W's columns: (1, 1, 1) (the first: 0 and 1), (0, 1, 0) (mean 1/3, sd √(1/3)),
    /// (1, 2, 4) (mean 7/3, sd √(7/3)).
    @Test func posteriordbsObtainAdjustmentsInTransformedData() throws {
        let model = try StanProgram.compile(source: """
            functions {
              matrix obtain_adjustments(matrix W) {
                real min_w;
                real max_w;
                int minmax_count;
                matrix[2, cols(W)] adj;
                adj[1, 1] = 0;
                adj[2, 1] = 1;
                if (cols(W) > 1) {
                  for (k in 2 : cols(W)) {
                    min_w = min(W[1 : rows(W), k]);
                    max_w = max(W[1 : rows(W), k]);
                    minmax_count = 0;
                    for (j in 1 : rows(W)) {
                      minmax_count = minmax_count + W[j, k] == min_w || W[j, k] == max_w;
                    }
                    if (minmax_count == rows(W)) {
                      adj[1, k] = mean(W[1 : rows(W), k]);
                      adj[2, k] = max_w - min_w;
                    } else {
                      adj[1, k] = mean(W[1 : rows(W), k]);
                      adj[2, k] = sd(W[1 : rows(W), k]) * 2;
                    }
                  }
                }
                return adj;
              }
            }
            data { int J; int K; matrix[J, K] W; }
            transformed data { matrix[2, K] adj = obtain_adjustments(W); }
            parameters { real x; }
            model { x ~ normal(adj[1, 2], 1); }
            """, path: "m.stan")
        let data = DataSet(["J": .integer(3), "K": .integer(3), "W": .matrix(rows: [[1, 0, 1], [1, 1, 2], [1, 0, 4]])], source: "test")
        let adj = try #require(try model.prepareData(data)["adj"])
        #expect(adj.shape == [2, 3])
        let expected = [0, 1.0 / 3, 7.0 / 3, 1, 2 * (1.0 / 3).squareRoot(), 2 * (7.0 / 3).squareRoot()]
        for (a, b) in zip(adj.values, expected) { #expect(abs(a - b) < 1e-12, "\(adj.values)") }
    }

    /// Stan's container builders and orderings in transformed data, each against the Functions
    /// Reference's definition written out; integer results stay integers (usable as sizes and
    /// indices), and a position past the size is named.
    @Test func buildersAndOrderings() throws {
        let model = try StanProgram.compile(source: """
            data { vector[5] v; }
            transformed data {
              vector[4] grid = linspaced_vector(4, -1, 2);
              array[1] real single = linspaced_array(1, 0, 3);
              array[3] int hot = one_hot_int_array(3, 2);
              row_vector[2] ones = ones_row_vector(2);
              array[2] real zeros = zeros_array(2);
              vector[4] flat = uniform_simplex(4);
              vector[5] up = sort_asc(v);
              vector[5] down = sort_desc(v);
              array[5] int order = sort_indices_asc(v);
              array[5] int back = sort_indices_desc(v);
              int below = rank(v, 2);
              vector[5] rev = reverse(v);
              vector[order[1]] sized = zeros_vector(order[1]);
            }
            parameters { real x; }
            model { x ~ normal(0, 1); }
            """, path: "m.stan")
        let prepared = try model.prepareData(DataSet(["v": .vector([0.5, -2, 3, 0.5, 1])], source: "test"))
        func values(_ name: String) -> [Double] { prepared[name]?.values ?? [] }
        #expect(values("grid") == [-1, 0, 1, 2] && values("single") == [3])
        #expect(values("hot") == [0, 1, 0] && prepared["hot"]?.isInteger == true)
        #expect(values("ones") == [1, 1] && values("zeros") == [0, 0] && values("flat") == [0.25, 0.25, 0.25, 0.25])
        #expect(values("up") == [-2, 0.5, 0.5, 1, 3] && values("down") == [3, 1, 0.5, 0.5, -2])
        #expect(values("order") == [2, 1, 4, 5, 3] && values("back") == [3, 5, 1, 4, 2])
        #expect(values("below") == [0] && values("rev") == [1, 0.5, 3, -2, 0.5] && values("sized") == [0, 0])
        let past = "transformed data { vector[3] h = one_hot_vector(3, 4); } parameters { real x; } model { x ~ normal(0, 1); }"
        #expect(errorMessage { _ = try StanProgram.compile(source: past, path: "m.stan").prepareData(DataSet()) }
            .contains("one_hot_vector: the position 4 is past the size 3"))
    }

    /// `to_matrix` (as it is, column-major, row-major), `append_array` and
    /// `symmetrize_from_lower_tri` in transformed data, against the Functions Reference's
    /// definitions written out.
    @Test func reshapesAndAppends() throws {
        let model = try StanProgram.compile(source: """
            data { array[6] real v; matrix[2, 3] m; array[2, 3] real a; array[2] int i; array[3] int j; }
            transformed data {
              matrix[2, 3] cm = to_matrix(v, 2, 3);
              matrix[2, 3] rm = to_matrix(v, 2, 3, 0);
              matrix[3, 2] mm = to_matrix(m, 3, 2);
              matrix[2, 3] am = to_matrix(a);
              array[5] int ij = append_array(i, j);
              matrix[2, 2] s = symmetrize_from_lower_tri([[1, 9], [2, 3]]);
              matrix[3, 2] mt = transpose(m);
            }
            parameters { real x; }
            model { x ~ normal(0, 1); }
            """, path: "m.stan")
        let prepared = try model.prepareData(DataSet([
            "v": .vector([1, 2, 3, 4, 5, 6]), "m": .matrix(rows: [[1, 2, 3], [4, 5, 6]]),
            "a": .matrix(rows: [[7, 8, 9], [10, 11, 12]]), "i": .integers([1, 2]), "j": .integers([3, 4, 5])], source: "test"))
        func values(_ name: String) -> [Double] { prepared[name]?.values ?? [] }
        #expect(values("cm") == [1, 3, 5, 2, 4, 6] && values("rm") == [1, 2, 3, 4, 5, 6])
        // m's column-major elements 1, 4, 2, 5, 3, 6 fill 3 × 2 column by column.
        #expect(values("mm") == [1, 5, 4, 3, 2, 6] && values("am") == [7, 8, 9, 10, 11, 12])
        #expect(values("ij") == [1, 2, 3, 4, 5] && prepared["ij"]?.isInteger == true && values("s") == [1, 2, 2, 3])
        #expect(values("mt") == [1, 4, 2, 5, 3, 6] && prepared["mt"]?.shape == [3, 2])
    }

    /// log2(), log10() and sqrt2() are Stan's constants, on the host and in the graph; with one
    /// argument log2 and log10 are the functions.
    /// The categorical families on the host (a neural net's generated quantities, knitr's `nn`):
    /// log θ[y] summed over outcomes; with logits, θ = softmax(β); an outcome outside 1…K named.
    @Test func categoricalLogDensities() throws {
        let source = """
            transformed data {
              real a = categorical_lpmf(2 | [0.2, 0.5, 0.3]');
              real b = categorical_logit_lpmf({1, 3} | [1, 2, 3]');
            }
            parameters { real x; }
            model { x ~ normal(0, 1); }
            """
        let prepared = try StanProgram.compile(source: source, path: "m.stan").prepareData(DataSet())
        let lse = log(exp(1.0) + exp(2.0) + exp(3.0))
        #expect(abs((prepared["a"]?.values.first ?? 0) - log(0.5)) < 1e-15)
        #expect(abs((prepared["b"]?.values.first ?? 0) - (1 - lse + 3 - lse)) < 1e-14)
        let outside = source.replacingOccurrences(of: "categorical_lpmf(2 |", with: "categorical_lpmf(4 |")
        #expect(errorMessage { _ = try StanProgram.compile(source: outside, path: "m.stan").prepareData(DataSet()) }
            .contains("categorical_lpmf: outcome 4.0 is outside 1…3"))
    }

    @Test func constantsWrittenAsCalls() throws {
        let source = """
            transformed data { real c = log2() + log10() + sqrt2(); real f = log2(8); }
            parameters { real x; }
            model { x ~ normal(c + log2() * sqrt2() + log10(100), 1); }
            """
        let model = try StanProgram.compile(source: source, path: "m.stan")
        let (ln2, ln10, root2): (Double, Double, Double) = (log(2), log(10), 2.0.squareRoot())
        let prepared = try model.prepareData(DataSet())
        #expect(abs((prepared["c"]?.values.first ?? 0) - (ln2 + ln10 + root2)) < 1e-15)
        #expect(prepared["f"]?.values == [3])
        let mean: Double = ln2 + ln10 + root2 + ln2 * root2 + 2
        let reference = try stanReference(source, DataSet())
        #expect(abs(reference.logDensity([mean + 1]) - reference.logDensity([mean]) + 0.5) < 1e-12)
    }

    /// A return inside a loop ends the function there; a void function's reject stops with its
    /// message; an integer function's value stays an integer (usable as a size).
    @Test func returnsAnywhereVoidFunctionsAndIntegerResults() throws {
        let source = """
            functions {
              int first_above(vector v, real t) {
                for (i in 1:rows(v)) {
                  if (v[i] > t) return i;
                }
                return 0;
              }
              void check_positive(real x) {
                if (x <= 0) reject("not positive: ", x);
              }
            }
            data { vector[4] v; real t; }
            transformed data {
              int k = first_above(v, t);
              check_positive(t);
              vector[k] z = rep_vector(1, k);
            }
            parameters { real x; }
            model { x ~ normal(sum(z), 1); }
            """
        let model = try StanProgram.compile(source: source, path: "m.stan")
        func prepared(_ t: Double) throws -> DataSet {
            try model.prepareData(DataSet(["v": .vector([0.5, 2, 3, 1]), "t": .scalar(t)], source: "test"))
        }
        #expect(try prepared(1.5)["k"]?.values == [2])
        #expect(try prepared(0.1)["k"]?.values == [1])
        #expect(try prepared(9)["k"]?.values == [0])
        let message = errorMessage { _ = try prepared(-1) }
        #expect(message.contains("reject: not positive: -1"), "\(message)")
    }

    /// `while` with `break` and `continue` on the host (Prophet's changepoint matrix is built so,
    /// in a function transformed data call): the loops stop and skip where Stan's do, and an
    /// inner `break` leaves only the inner loop. In the model block they are named as host-only.
    @Test func whileBreakAndContinueRunOnTheHost() throws {
        let model = try StanProgram.compile(source: """
            functions {
              // Row i: 1 at every changepoint at or before t[i] (t and t_change sorted).
              matrix changepoints(vector t, vector t_change, int T, int S) {
                matrix[T, S] A = rep_matrix(0, T, S);
                row_vector[S] a_row = rep_row_vector(0, S);
                int cp_idx = 1;
                for (i in 1:T) {
                  while ((cp_idx <= S) && (t[i] >= t_change[cp_idx])) {
                    a_row[cp_idx] = 1;
                    cp_idx = cp_idx + 1;
                  }
                  A[i] = a_row;
                }
                return A;
              }
            }
            data { int T; int S; vector[T] t; vector[S] t_change; }
            transformed data {
              matrix[T, S] A = changepoints(t, t_change, T, S);
              int odd_sum = 0;      // 1 + 3 + 5 + 7: continue skips the even, break stops at 9
              int k = 0;
              while (1) {
                k += 1;
                if (k % 2 == 0) continue;
                if (k > 8) break;
                odd_sum += k;
              }
              int pairs = 0;        // (i, j) with j < i ≤ 4: the inner break leaves the inner loop only
              for (i in 1:4) {
                for (j in 1:4) {
                  if (j >= i) break;
                  pairs += 1;
                }
              }
            }
            parameters { real x; }
            model { x ~ normal(0, 1); }
            """, path: "m.stan")
        let data = DataSet(["T": .integer(5), "S": .integer(3), "t": .vector([0, 1, 2, 3, 4]), "t_change": .vector([0.5, 2, 2.5])],
                           source: "test")
        let prepared = try model.prepareData(data)
        #expect(prepared["A"]?.values == [0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1])
        #expect(prepared["odd_sum"]?.values == [16])
        #expect(prepared["k"]?.values == [9])
        #expect(prepared["pairs"]?.values == [6])
        #expect(compileError("parameters { real x; } model { while (x < 1) x ~ normal(0, 1); }")
            .hasPrefix("m.stan:1:32: error: while loops run only where the host runs the block (transformed data, generated quantities, the functions they call); in the model block use a for loop"))
        #expect(compileError("parameters { real x; } model { for (i in 1:3) { if (i > 1) break; x ~ normal(0, 1); } }")
            .contains("error: break runs only where the host runs the block"))
        #expect(compileError("transformed data { int k = 0; break; } parameters { real x; } model { }")
            .hasPrefix("m.stan:1:31: error: 'break' is only allowed inside a loop"))
    }

    /// A function called in generated quantities reads the draw's random stream: y = μ + z₀ with
    /// z₀ the stream's first normal.
    @Test func functionsInGeneratedQuantitiesReadTheDrawsStream() throws {
        let model = try StanProgram.compile(source: """
            functions { real shifted_rng(real mu) { return mu + normal_rng(0, 1); } }
            parameters { real mu; }
            model { mu ~ normal(0, 1); }
            generated quantities { real y = shifted_rng(mu); }
            """, path: "m.stan")
        #expect(model.generatedQuantitiesOnHost)
        let key = DrawKey(seed: 9, chain: 2, draw: 5)
        let y = try HostGeneratedQuantitiesTests.generated(model, DataSet(source: "test"), ["mu": [10]], key: key)["y"]!
        var stream = PhiloxStream(random: PhiloxRandom(seed: 9), chain: 2, iteration: 5, purpose: .generatedQuantities)
        #expect(y == [10 + stream.normal()])
    }

    /// softmax, log_softmax, fmax, fmin and cumulative_sum on the host against their definitions.
    @Test func vectorFunctions() throws {
        let l = StanSourceLocation(line: 1, column: 1)
        let h = HostInterpreter(env: ["v": .vector([1, 2, 3]), "w": .vector([3, .nan, 1])],
                                diagnostics: Diagnostics(path: "m.stan", source: ""))
        func call(_ name: String, _ args: String...) throws -> [Double] {
            try h.evaluate(.call(name, args.map { .variable($0, l) }, conditional: false, l)).values
        }
        let s = exp(1.0) + exp(2.0) + exp(3.0)
        let softmax = try call("softmax", "v")
        for (a, b) in zip(softmax, [exp(1.0) / s, exp(2.0) / s, exp(3.0) / s]) { #expect(abs(a - b) < 1e-15) }
        let logSoftmax = try call("log_softmax", "v")
        for (a, b) in zip(logSoftmax, [1 - log(s), 2 - log(s), 3 - log(s)]) { #expect(abs(a - b) < 1e-14) }
        #expect(try call("fmax", "v", "w") == [3, 2, 3])
        #expect(try call("fmin", "v", "w") == [1, 2, 1])
        #expect(try call("cumulative_sum", "v") == [1, 3, 6])
        // log_mix: two densities, and a vector of weights over a vector (or an array) of log densities.
        let mix = HostInterpreter(env: ["t": .scalar(0.3), "a": .scalar(-1), "b": .scalar(-2), "th": .vector([0.2, 0.5, 0.3]),
                                        "lp": .vector([-1, -2, -0.5]), "lps": DataArray(shape: [2, 3], values: [-1, -2, -0.5, -3, 0, -1])],
                                  diagnostics: Diagnostics(path: "m.stan", source: ""))
        func mixed(_ args: String...) throws -> Double {
            try mix.evaluate(.call("log_mix", args.map { .variable($0, l) }, conditional: false, l)).values[0]
        }
        #expect(abs(try mixed("t", "a", "b") - log(0.3 * exp(-1.0) + 0.7 * exp(-2.0))) < 1e-14)
        let first = log(0.2 * exp(-1.0) + 0.5 * exp(-2.0) + 0.3 * exp(-0.5))
        #expect(abs(try mixed("th", "lp") - first) < 1e-14)
        #expect(abs(try mixed("th", "lps") - (first + log(0.2 * exp(-3.0) + 0.5 + 0.3 * exp(-1.0)))) < 1e-14)
    }
}
