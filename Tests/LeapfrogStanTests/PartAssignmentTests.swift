import LeapfrogCore
import LeapfrogData
import LeapfrogModel
import LeapfrogReference
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `x[a:b] = v` and `x[k] = v` with data-dependent bounds (Lowering+PartAssignment): values,
/// gradients against finite differences, and posteriordb's IRT form written out.
@Suite struct PartAssignmentTests {
    static let program = StanFixtures.partAssignment

    static let data = StanFixtures.partAssignmentData

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

    @Test func otherPartsAreStillRefusedByName() {
        let head = "data { int N; array[2] int idx; } parameters { vector[2] v; }\n"
        #expect(compileError(head + "transformed parameters { vector[N] x; x[idx] = v; }")
            .hasPrefix("m.stan:2:39: error: assigning to part of 'x' is only supported as x[n] = … in a loop"))
        #expect(compileError(head + "transformed parameters { matrix[N, 2] m; m[:, 1] = rep_vector(0, N); }")
            .hasPrefix("m.stan:2:42: error: assigning to part of 'm' is only supported as m[n] = … in a loop"))
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
}
