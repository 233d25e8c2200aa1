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

    @Test func aRangeOutsideTheVectorIsReportedWhenTheDataArrive() {
        let message = errorMessage { _ = try stanReference(Self.program, DataSet(["I": .integer(4), "k": .integer(5), "y": .vector([0.3, -1, 2, 0.5])])) }
        #expect(message.contains("range 5:6 is out of range 1…5 in an assignment"), "\(message)")
    }
}
