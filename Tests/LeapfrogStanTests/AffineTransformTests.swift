import LeapfrogData
import Testing
@testable import LeapfrogStan

/// `<offset=…, multiplier=…>` (Stan 2.19): x = offset + multiplier · u with u the sampler's
/// coordinate, log-Jacobian log(multiplier) per element.
@Suite struct AffineTransformTests {
    static let schools = DataSet(["J": .integer(8), "y": .vector([28, 8, -3, 7, -1, 1, 18, 12]),
                                  "sigma": .vector([15, 10, 16, 11, 9, 11, 10, 18])], source: "eight schools")
    static let header = "data { int<lower=0> J; vector[J] y; vector<lower=0>[J] sigma; }\n"

    /// Eight schools written centred with `<offset=mu, multiplier=tau>` is the non-centred model,
    /// coordinate for coordinate.
    @Test func theCentredModelWithAnAffineTransformIsTheNonCentredOne() throws {
        let affine = Self.header + """
        parameters { real mu; real<lower=0> tau; vector<offset=mu, multiplier=tau>[J] theta; }
        model { mu ~ normal(0, 5); tau ~ cauchy(0, 5); theta ~ normal(mu, tau); y ~ normal(theta, sigma); }
        """
        let nonCentred = Self.header + """
        parameters { real mu; real<lower=0> tau; vector[J] theta_tilde; }
        transformed parameters { vector[J] theta = mu + tau * theta_tilde; }
        model { mu ~ normal(0, 5); tau ~ cauchy(0, 5); theta_tilde ~ normal(0, 1); y ~ normal(theta, sigma); }
        """
        let stan = try stanReference(affine, Self.schools)
        expectEquivalent(stan, try stanReference(nonCentred, Self.schools))
        // theta is recorded on its own scale.
        let u = [0.3, -0.2, 1, 2, 3, 4, 5, 6, 7, 8]
        let theta = stan.derivedValues(u)
        let tau = 0.8187307530779818  // exp(-0.2)
        for j in 0..<8 { #expect(abs(theta[j] - (0.3 + tau * u[2 + j])) < 1e-12) }
    }

    /// Constants, an offset alone, a multiplier alone, a vector multiplier: each the transform
    /// written out with its log-Jacobian.
    @Test func eachPartIsTheTransformWrittenOut() throws {
        let data = DataSet(["s": .vector([0.5, 2, 4])], source: "test")
        let cases: [(String, String)] = [
            ("real<offset=1, multiplier=3> a; ", "real a_raw; real a = 1 + 3 * a_raw; target += log(3);"),
            ("real<offset=-2> a; ", "real a_raw; real a = -2 + a_raw;"),
            ("real<multiplier=0.5> a; ", "real a_raw; real a = 0.5 * a_raw; target += log(0.5);"),
        ]
        for (declaration, written) in cases {
            let affine = "data { vector[3] s; } parameters { \(declaration)} model { a ~ normal(0.3, 1.7); }"
            let parts = written.split(separator: ";", maxSplits: 1).map(String.init)
            let plain = "data { vector[3] s; } parameters { \(parts[0]); } model { \(parts[1]) a ~ normal(0.3, 1.7); }"
            let (x, y) = (try stanReference(affine, data), try stanReference(plain, data))
            for u in [[-0.7], [0.4], [2.1]] { #expect(abs(x.logDensity(u) - y.logDensity(u)) < 1e-12, "\(declaration) at \(u)") }
        }
        let vector = "data { vector[3] s; } parameters { vector<multiplier=s>[3] b; } model { b ~ normal(0, s); }"
        let written = "data { vector[3] s; } parameters { vector[3] b_raw; } model { b_raw ~ normal(0, 1); }"
        expectEquivalent(try stanReference(vector, data), try stanReference(written, data))
    }

    @Test func affineAndBoundsDoNotMix() {
        #expect(compileError("parameters { real<lower=0, multiplier=2> a; } model { }").contains("cannot be combined with lower="))
    }

    /// Initial values given on the parameter's own scale (CmdStan's inits) become the sampler's
    /// coordinate: (x − offset) / multiplier, with the offset and multiplier from the other values.
    @Test func givenValuesAreMappedToTheSamplersCoordinate() throws {
        let source = Self.header + """
        parameters { real mu; real<lower=0> tau; vector<offset=mu, multiplier=tau>[J] theta; }
        model { mu ~ normal(0, 5); tau ~ cauchy(0, 5); theta ~ normal(mu, tau); y ~ normal(theta, sigma); }
        """
        let model = try StanProgram.compile(source: source, path: "affine.stan")
        let given = DataSet(["mu": .scalar(1), "tau": .scalar(2), "theta": .vector([3, 1, -1, 1, 1, 1, 1, 1])], source: "inits")
        let free = try model.parameterValues(given, data: Self.schools)
        #expect(free["theta__free"]?.values == [1, 0, -1, 0, 0, 0, 0, 0])
        let bad = DataSet(["mu": .scalar(1), "tau": .scalar(-2), "theta": .vector([3, 1, -1, 1, 1, 1, 1, 1])], source: "inits")
        #expect(errorMessage { _ = try model.parameterValues(bad, data: Self.schools) }.contains("'theta' has the multiplier -2.0"))
    }
}
