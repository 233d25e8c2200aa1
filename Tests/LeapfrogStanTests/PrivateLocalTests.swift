import Foundation
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Locals declared before a loop that every step overwrites whole (`Lowering+PrivateLocals`):
/// the loop's own, its steps independent.
@Suite struct PrivateLocalTests {
    /// BUGS' stagnant, its weights given as data (`StanFixtures.scratchArray`): `mu` declared at
    /// the top of the model block and filled for each change point k, the mixture over k
    /// written out.
    @Test func aScratchArrayAtTheTopIsEachStepsOwn() throws {
        let model = try stanReference(StanFixtures.scratchArray, StanFixtures.scratchArrayData)
        var rng = TestRandom(seed: 21)
        for _ in 0..<4 {
            let u = rng.vector(4, -1, 1)
            let sigma = exp(u[3])
            let terms: [Double] = (0..<6).map { k in
                var total = StanFixtures.scratchArrayWeights[k]
                for n in 0..<6 {
                    let mu = u[0] + (n <= k ? u[1] : u[2]) * (StanFixtures.scratchArrayX[n] - StanFixtures.scratchArrayX[k])
                    let z = (StanFixtures.scratchArrayY[n] - mu) / sigma
                    total += -0.5 * z * z - log(sigma) - 0.5 * log(2 * Double.pi)
                }
                return total
            }
            let top = terms.max()!
            let want = top + log(terms.map { exp($0 - top) }.reduce(0, +))
            #expect(abs(model.logDensity(u) - want) < 1e-10 * abs(want), "at \(u): \(model.logDensity(u)) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }

    /// A local read after the loop is not moved: there it holds the last step's value.
    @Test func whatTheStepsShareStaysShared() throws {
        let after = """
        data { int N; vector[N] w; }
        parameters { real a; }
        model {
          vector[N] v;
          for (k in 1:N) {
            for (n in 1:N) v[n] = a * k + w[n];
          }
          target += -0.5 * dot_self(v);
        }
        """
        let written = """
        data { int N; vector[N] w; }
        parameters { real a; }
        model { target += -0.5 * dot_self(a * N + w); }
        """
        let data = DataSet(["N": .integer(6), "w": .vector(StanFixtures.scratchArrayWeights)], source: "w.json")
        expectEquivalent(try stanReference(after, data), try stanReference(written, data))
    }
}
