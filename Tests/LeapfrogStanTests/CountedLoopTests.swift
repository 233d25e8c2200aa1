import Foundation
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `while` loops that count (`Lowering+CountedLoops`): the `for` loop over their steps.
@Suite struct CountedLoopTests {
    /// example-models' cjs-K (`StanFixtures.countedLoop`): χ filled backwards by the while loop,
    /// the captures by a ragged loop with a density beside an `if` on the capture (each branch
    /// its own pairs, `Lowering.conditionalNestedLoop`), against the likelihood written out.
    @Test func aBackwardCountIsTheLikelihoodsRecurrence() throws {
        let model = try stanReference(StanFixtures.countedLoop, StanFixtures.countedLoopData)
        let x = StanFixtures.countedLoopHistories, k = 5
        func logistic(_ u: Double) -> Double { 1 / (1 + exp(-u)) }
        var rng = TestRandom(seed: 31)
        for _ in 0..<3 {
            let u = rng.vector(2 * k - 1, -1.5, 1.5)
            let phi = u[0..<(k - 1)].map(logistic), p = u[(k - 1)...].map(logistic)
            var chi = [Double](repeating: 1, count: k + 1)
            for t in stride(from: k - 1, through: 1, by: -1) { chi[t] = (1 - phi[t - 1]) + phi[t - 1] * (1 - p[t]) * chi[t + 1] }
            var want = (phi + p).map { log($0 * (1 - $0)) }.reduce(0, +)
            for h in x {
                guard let f = h.firstIndex(of: 1).map({ $0 + 1 }), let l = h.lastIndex(of: 1).map({ $0 + 1 }) else { continue }
                for t in stride(from: f + 1, through: l, by: 1) {
                    want += log(phi[t - 2]) + (h[t - 1] == 1 ? log(p[t - 1]) : log(1 - p[t - 1]))
                }
                want += log(chi[l])
            }
            #expect(abs(model.logDensity(u) - want) < 1e-12 * abs(want), "\(model.logDensity(u)) vs \(want)")
            #expect(GradientCheck.worstRelativeError(model, at: u) < GradientCheck.tolerance)
        }
    }

    /// Counting up, the counter read after the loop (its value there: the first it failed at),
    /// against the same written with `for`.
    @Test func anUpwardCountLeavesItsCounterWhereItStopped() throws {
        let counted = """
        data { int N; vector[N] y; }
        parameters { vector[N] mu; }
        model {
          int n = 2;
          while (n <= N) {
            y[n] ~ normal(mu[n - 1], 1);
            n += 1;
          }
          mu ~ normal(0, 1);
          target += n;
        }
        """
        let written = """
        data { int N; vector[N] y; }
        parameters { vector[N] mu; }
        model {
          for (n in 2:N) y[n] ~ normal(mu[n - 1], 1);
          mu ~ normal(0, 1);
          target += N + 1;
        }
        """
        let data = DataSet(["N": .integer(4), "y": .vector([0.3, -0.5, 1.2, 0.8])], source: "y.json")
        let (a, b) = (try stanReference(counted, data), try stanReference(written, data))
        expectEquivalent(a, b)
        let u = [0.1, -0.2, 0.3, 0.4]
        #expect(abs(a.logDensity(u) - b.logDensity(u)) < 1e-12)
    }

    /// A while loop that does not count by one from a value set just before, or that can leave
    /// early, still runs only where the host runs the block: refused by name.
    @Test func otherWhileLoopsAreRefused() {
        let head = "data { int N; } parameters { real a; } model {\n  int n = 1;\n"
        for loop in ["while (n <= N) { a ~ normal(0, 1); n += 2; }",
                     "while (n <= N) { a ~ normal(0, 1); if (n > 2) break; n += 1; }",
                     "while (n > N) { a ~ normal(0, 1); n += 1; }"] {
            let message = compileError(head + loop + "\n}")
            #expect(message.contains("while loops run only where the host runs the block"), "\(loop): \(message)")
        }
    }
}
