import Foundation
import LeapfrogCore
import LeapfrogData
import LeapfrogTestSupport
import Testing
@testable import LeapfrogStan

/// Stan's `log_modified_bessel_first_kind(0, z)` and `modified_bessel_first_kind(0, z)` (the
/// graph's `log_bessel_i0`): `BesselFunction`'s values in the graph, on the host and folded from
/// constants, its gradient against finite differences, and other orders refused by name.
@Suite struct BesselFunctionCallTests {
    @Test(arguments: [false, true])
    func valuesAreBesselFunctions(onHost: Bool) throws {
        let source = """
        data { real x; }
        parameters { real m; }
        model { m ~ normal(0, 1); }
        generated quantities {
          real a = log_modified_bessel_first_kind(0, x);
          real b = modified_bessel_first_kind(0, x);
          real c = log_modified_bessel_first_kind(0, 27.5);
          \(onHost ? "real r = normal_rng(0, 1);" : "")
        }
        """
        let data = DataSet(["x": .scalar(3.7)], source: "test")
        let model = try StanProgram.compile(source: source, path: "m.stan")
        var values: [String: Double] = [:]
        if onHost {
            for (k, v) in try HostGeneratedQuantitiesTests.generated(model, data, ["m": [0.1]]) { values[k] = v.first }
        } else {
            let stan = try stanReference(source, data)
            values = Dictionary(uniqueKeysWithValues: zip(stan.model.derivedElementNames, stan.derivedValues([0.1])))
        }
        #expect(abs(try #require(values["a"]) - BesselFunction.logI0(3.7)) < 1e-14)
        #expect(abs(try #require(values["b"]) - exp(BesselFunction.logI0(3.7))) < 1e-12)
        #expect(abs(try #require(values["c"]) - BesselFunction.logI0(27.5)) < 1e-13)
    }

    @Test func gradientIsFiniteDifferences() throws {
        let source = """
        parameters { real<lower=0> k; real mu; }
        model { k ~ lognormal(1, 1); mu ~ normal(0, 1); target += -log_modified_bessel_first_kind(0, k) + k * cos(mu - 0.3);
                [0.2, -1.3, 2.9] ~ von_mises(mu, k); }
        """
        let stan = try stanReference(source, DataSet([:], source: "test"))
        var rng = TestRandom(seed: 4)
        for _ in 0..<4 {
            let u = rng.vector(stan.dimension, -1, 3.5)   // κ from e^-1 to e^3.5 ≈ 33: both sides of the switch at 20
            #expect(GradientCheck.worstRelativeError(stan, at: u) < GradientCheck.tolerance, "at \(u)")
        }
    }

    @Test func otherOrdersAreRefused() {
        #expect(compileError("parameters { real<lower=0> k; } model { target += log_modified_bessel_first_kind(1, k); }")
            .contains("log_modified_bessel_first_kind is supported for order 0 only"))
    }
}
