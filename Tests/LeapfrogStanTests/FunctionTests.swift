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

/// Functions and densities, checked through generated quantities against values computed here.
@Suite struct FunctionTests {
    static func derived(_ source: String, _ data: DataSet, at u: [Double]) throws -> [String: Double] {
        let stan = try stanReference(source, data)
        return Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues(u)))
    }

    @Test func functionsLowerToTheRightOperations() throws {
        let source = """
        data { vector[3] v; matrix[2, 2] A; array[2] int idx; }
        parameters { real x; }
        model { x ~ normal(0, 1); }
        generated quantities {
          real lse = log_sum_exp(v);
          real lse2 = log_sum_exp(x, 1.5);
          vector[3] sm = softmax(v);
          vector[3] lsm = log_softmax(v);
          real dp = dot_product(v, v);
          matrix[2, 2] D = diag_matrix(rep_vector(2, 2));
          vector[2] rdp = rows_dot_product(A, A);
          matrix[2, 2] M = multiply_lower_tri_self_transpose(A);
          matrix[2, 3] RR = rep_matrix(v', 2);
          matrix[3, 2] RC = rep_matrix(v, 2);
          real p = pow(x, 3);
          real q = -x ^ 2;
          vector[3] e = exp(v) .* v ./ v;
          real m = mean(v);
          real s = sum(A);
          real el = A[2, 1];
          row_vector[2] row2 = A[2];
          vector[2] col1 = A[:, 1];
          vector[2] picked = v[idx];
          real mixed = inv_logit(x) + log1m(0.25) + logit(0.25) + inv(4) + log1p_exp(x) + square(v[3]) + 7 / 2;
          vector[2] solved = mdivide_left_tri_low(A, col1);
          matrix[2, 2] pre = diag_pre_multiply(col1, A);
          matrix[2, 2] post = diag_post_multiply(A, col1);
          matrix[2, 2] qfd = quad_form_diag(A, col1);
          real mix = log_mix(0.25, x, -1);
        }
        """
        let v = [0.5, -1, 2]
        let a = [[2.0, 0], [1, 3]]
        let data = DataSet(["v": .vector(v), "A": .matrix(rows: a), "idx": .integers([3, 1])])
        let x = 0.7
        let d = try Self.derived(source, data, at: [x])
        func close(_ name: String, _ expected: Double) {
            #expect(abs((d[name] ?? .nan) - expected) <= 1e-12 * max(1, abs(expected)), "\(name): \(d[name] ?? .nan) vs \(expected)")
        }
        let lse = log(v.map(exp).reduce(0, +))
        close("lse", lse)
        close("lse2", log(exp(x) + exp(1.5)))
        for k in 0..<3 {
            close("sm[\(k + 1)]", exp(v[k] - lse))
            close("lsm[\(k + 1)]", v[k] - lse)
            close("RR[1,\(k + 1)]", v[k]); close("RR[2,\(k + 1)]", v[k])
            close("RC[\(k + 1),1]", v[k]); close("RC[\(k + 1),2]", v[k])
            close("e[\(k + 1)]", exp(v[k]))
        }
        close("dp", 0.25 + 1 + 4)
        close("D[1,1]", 2); close("D[1,2]", 0); close("D[2,2]", 2)
        close("rdp[1]", 4); close("rdp[2]", 10)
        close("M[1,1]", 4); close("M[1,2]", 2); close("M[2,1]", 2); close("M[2,2]", 10)
        close("p", x * x * x)
        close("q", -x * x)
        close("m", 0.5)
        close("s", 6)
        close("el", 1)
        close("row2[1]", 1); close("row2[2]", 3)
        close("col1[1]", 2); close("col1[2]", 1)
        close("picked[1]", 2); close("picked[2]", 0.5)
        close("mixed", 1 / (1 + exp(-x)) + log(0.75) + log(1.0 / 3) + 0.25 + log1p(exp(x)) + 4 + 3)
        close("solved[1]", 1); close("solved[2]", 0)
        let c = [2.0, 1]
        for i in 0..<2 {
            for j in 0..<2 {
                close("pre[\(i + 1),\(j + 1)]", c[i] * a[i][j])
                close("post[\(i + 1),\(j + 1)]", a[i][j] * c[j])
                close("qfd[\(i + 1),\(j + 1)]", c[i] * a[i][j] * c[j])
            }
        }
        close("mix", log(0.25 * exp(x) + 0.75 * exp(-1)))
    }

    @Test func densitiesHaveStansArgumentOrder() throws {
        let source = """
        data { array[3] int k; array[3] int n; array[1] int b; array[3] int c; vector[3] w; matrix[3, 3] L; }
        parameters { real x; }
        model { x ~ normal(0, 1); }
        generated quantities {
          real normal = normal_lpdf(x | 0.5, 2);
          real std = std_normal_lpdf(x);
          real cauchy = cauchy_lpdf(x | 0.5, 2);
          real student = student_t_lpdf(x | 3, 0.5, 2);
          real expo = exponential_lpdf(1.5 | 2);
          real gam = gamma_lpdf(1.5 | 3, 2);
          real invgam = inv_gamma_lpdf(1.5 | 3, 2);
          real lognorm = lognormal_lpdf(1.5 | 0.5, 2);
          real bet = beta_lpdf(0.3 | 2, 5);
          real unif = uniform_lupdf(0.3 | 0, 2);
          real pois = poisson_log_lpmf(k | x);
          real pois2 = poisson_lupmf(k | 2.5);
          real bern = bernoulli_logit_lpmf(b | x);
          real binom = binomial_logit_lpmf(k | n, x);
          real cat = categorical_logit_lpmf(c | w);
          real mvn = multi_normal_cholesky_lpdf(w | rep_vector(0, 3), L);
          real mvn2 = multi_normal_lpdf(w | rep_vector(0, 3), multiply_lower_tri_self_transpose(L));
          real bern2 = bernoulli_lpmf(b | 0.3);
          real binom2 = binomial_lpmf(k | n, 0.3);
        }
        """
        let k = [2, 0, 3], n = [4, 1, 5]
        let w = [0.2, -0.4, 1.0]
        let l = [[1.0, 0, 0], [0.5, 2, 0], [-0.3, 0.1, 1.5]]
        let data = DataSet(["k": .integers(k), "n": .integers(n), "w": .vector(w), "L": .matrix(rows: l), "b": .integers([1]), "c": .integers([2, 1, 3])])
        let x = 0.3
        let d = try Self.derived(source, data, at: [x])
        func close(_ name: String, _ expected: Double) {
            #expect(abs((d[name] ?? .nan) - expected) <= 1e-10 * max(1, abs(expected)), "\(name): \(d[name] ?? .nan) vs \(expected)")
        }
        let lnorm = { (y: Double, m: Double, s: Double) in -0.5 * ((y - m) / s) * ((y - m) / s) - log(s) - 0.5 * log(2 * Double.pi) }
        close("normal", lnorm(x, 0.5, 2))
        close("std", lnorm(x, 0, 1))
        close("cauchy", -log(Double.pi * 2 * (1 + ((x - 0.5) / 2) * ((x - 0.5) / 2))))
        let z = (x - 0.5) / 2
        close("student", lgamma(2) - lgamma(1.5) - 0.5 * log(3 * Double.pi) - log(2) - 2 * log1p(z * z / 3))
        close("expo", log(2) - 2 * 1.5)
        close("gam", 3 * log(2) - lgamma(3) + 2 * log(1.5) - 2 * 1.5)
        close("invgam", 3 * log(2) - lgamma(3) - 4 * log(1.5) - 2 / 1.5)
        close("lognorm", lnorm(log(1.5), 0.5, 2) - log(1.5))
        close("bet", lgamma(7) - lgamma(2) - lgamma(5) + log(0.3) + 4 * log(0.7))
        close("unif", -log(2))
        close("pois", k.map { Double($0) * x - exp(x) - lgamma(Double($0) + 1) }.reduce(0, +))
        close("pois2", k.map { Double($0) * log(2.5) - 2.5 - lgamma(Double($0) + 1) }.reduce(0, +))
        close("bern", x - log1p(exp(x)))
        close("binom", zip(k, n).map { kk, nn in
            lgamma(Double(nn) + 1) - lgamma(Double(kk) + 1) - lgamma(Double(nn - kk) + 1) + Double(kk) * x - Double(nn) * log1p(exp(x))
        }.reduce(0, +))
        let lse = log(w.map(exp).reduce(0, +))
        close("cat", [2, 1, 3].map { w[$0 - 1] - lse }.reduce(0, +))
        // multi-normal: solve L z = w.
        var zz = [Double](repeating: 0, count: 3)
        for i in 0..<3 { zz[i] = (w[i] - (0..<i).map { l[i][$0] * zz[$0] }.reduce(0, +)) / l[i][i] }
        close("bern2", log(0.3))
        close("binom2", zip(k, n).map { kk, nn in
            lgamma(Double(nn) + 1) - lgamma(Double(kk) + 1) - lgamma(Double(nn - kk) + 1) + Double(kk) * log(0.3) + Double(nn - kk) * log(0.7)
        }.reduce(0, +))
        close("mvn2", d["mvn"] ?? .nan)
        close("mvn", -0.5 * zz.map { $0 * $0 }.reduce(0, +) - (0..<3).map { log(l[$0][$0]) }.reduce(0, +) - 1.5 * log(2 * Double.pi))
    }
}
