import LeapfrogData
import Testing
@testable import LeapfrogStan

/// `profile("name") { … }` (Stan 2.26): a block of statements whose time Stan reports; here the
/// block alone, so the model is the one without it.
@Suite struct ProfileTests {
    @Test func aProfiledBlockIsItsStatements() throws {
        let data = DataSet(["N": .integer(3), "y": .vector([0.5, -1.2, 2.0])], source: "test")
        let header = "data { int N; vector[N] y; } parameters { real mu; real<lower=0> sigma; }\n"
        let profiled = header + """
        model {
          profile("priors") { mu ~ normal(0, 1); sigma ~ exponential(1); }
          profile("likelihood") {
            real s = sigma;
            y ~ normal(mu, s);
          }
        }
        """
        let plain = header + "model { mu ~ normal(0, 1); sigma ~ exponential(1); y ~ normal(mu, sigma); }"
        expectEquivalent(try stanReference(profiled, data), try stanReference(plain, data))
        // A variable called profile is still a variable.
        _ = try stanReference(header + "model { real profile = 1; mu ~ normal(0, profile); }", data)
        #expect(compileError(header + "model { profile(\"p\") mu ~ normal(0, 1); }").contains("expected '{' after profile"))
    }
}
