import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// `dirichlet_multinomial` (`Lowering.dirichletMultinomial`): SciPy's log probabilities for one
/// count vector and for rows of a vectorised loop (α shared and per row), and the gradient
/// against finite differences.
@Suite struct DirichletMultinomialTests {
    /// SciPy 1.17.1: `stats.dirichlet_multinomial(alpha, n).logpmf(y)`.
    static let (first, second, third) = (-3.484846112606731, -3.477368050923116, -2.9142951879360455)
    static let data = DataSet(["y": .integers([4, 1, 4]), "Y": DataArray(shape: [2, 3], values: [4, 1, 4, 0, 2, 4], isInteger: true),
                               "A": .matrix(rows: [[1.5, 0.7, 2.2], [0.4, 3.0, 1.1]]), "a": .vector([1.5, 0.7, 2.2])], source: "test")

    @Test func logProbabilitiesAreSciPys() throws {
        let source = """
        data { array[3] int y; array[2, 3] int Y; array[2] vector[3] A; vector[3] a; }
        parameters { real z; }
        model { z ~ normal(0, 1); }
        generated quantities {
          real one = dirichlet_multinomial_lpmf(y | a);
          real shared = 0;
          real own = 0;
          for (n in 1:2) shared += dirichlet_multinomial_lpmf(Y[n] | a);
          for (n in 1:2) own += dirichlet_multinomial_lpmf(Y[n] | A[n]);
        }
        """
        let stan = try stanReference(source, Self.data)
        let d = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues([0.1])))
        for (name, expected) in [("one", Self.first), ("shared", Self.first + Self.second), ("own", Self.first + Self.third)] {
            let got = try #require(d[name])
            #expect(abs(got - expected) < 1e-12, "\(name): \(got) against \(expected)")
        }
    }

    @Test func gradientsAreFiniteDifferences() throws {
        let source = """
        data { array[3] int y; array[2, 3] int Y; }
        parameters { vector<lower=0>[3] a; array[2] vector<lower=0>[3] A; }
        model {
          a ~ lognormal(0, 1);
          for (n in 1:2) A[n] ~ lognormal(0, 1);
          y ~ dirichlet_multinomial(a);
          for (n in 1:2) Y[n] ~ dirichlet_multinomial(a);
          for (n in 1:2) Y[n] ~ dirichlet_multinomial(A[n]);
        }
        """
        let stan = try stanReference(source, Self.data)
        var rng = TestRandom(seed: 3)
        for _ in 0..<3 {
            let u = rng.vector(stan.dimension, -0.8, 0.8)
            #expect(stan.logDensity(u).isFinite)
            #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance)
        }
    }
}
