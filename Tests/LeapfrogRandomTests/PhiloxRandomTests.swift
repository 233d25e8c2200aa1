import Testing
@testable import LeapfrogRandom

@Suite struct PhiloxRandomTests {
    @Test func uniformEndpointsAreOpenAndExact() {
        #expect(PhiloxRandom.uniform(word: 0) == 0x1p-33)
        #expect(PhiloxRandom.uniform(word: .max) == 1 - 0x1p-33)
        #expect(PhiloxRandom.uniform(word: 0x8000_0000) == 0.5 + 0x1p-33)
    }

    @Test func streamElementsComeFromBlockWords() {
        let r = PhiloxRandom(seed: 42)
        let b1 = r.block(chain: 3, iteration: 9, purpose: .momentum, block: 1)
        #expect(r.uniform(chain: 3, iteration: 9, purpose: .momentum, index: 6) == PhiloxRandom.uniform(word: b1[2]))
        var us = [Double](repeating: 0, count: 7)
        r.uniforms(chain: 3, iteration: 9, purpose: .momentum, count: 7) { us[$0] = $1 }
        #expect(us[6] == PhiloxRandom.uniform(word: b1[2]))
        // Normal pairs: words (2, 3) of block 1 give elements 6 and 7.
        let (z6, z7) = PhiloxRandom.boxMuller(PhiloxRandom.uniform(word: b1[2]), PhiloxRandom.uniform(word: b1[3]))
        #expect(r.normal(chain: 3, iteration: 9, purpose: .momentum, index: 6) == z6)
        #expect(r.normal(chain: 3, iteration: 9, purpose: .momentum, index: 7) == z7)
    }

    @Test func purposesAndChainsAreDistinctStreams() {
        let r = PhiloxRandom(seed: 1)
        let a = r.uniform(chain: 0, iteration: 0, purpose: .momentum)
        #expect(a != r.uniform(chain: 0, iteration: 0, purpose: .jitter))
        #expect(a != r.uniform(chain: 1, iteration: 0, purpose: .momentum))
        #expect(a != r.uniform(chain: 0, iteration: 1, purpose: .momentum))
        #expect(a != PhiloxRandom(seed: 2).uniform(chain: 0, iteration: 0, purpose: .momentum))
    }

    /// 200 000 uniforms: mean 1/2 and variance 1/12 within 5 standard errors.
    @Test func uniformMoments() {
        let r = PhiloxRandom(seed: 2024)
        let n = 200_000
        var s = 0.0, s2 = 0.0, lo = 1.0, hi = 0.0
        r.uniforms(chain: 5, iteration: 0, purpose: .jitter, count: n) { _, u in
            s += u; s2 += u * u; lo = min(lo, u); hi = max(hi, u)
        }
        let mean = s / Double(n), variance = s2 / Double(n) - mean * mean
        #expect(abs(mean - 0.5) < 5 * (1.0 / 12).squareRoot() / Double(n).squareRoot())
        // var of U² around E = 1/3 is 4/45; the variance estimate's sd ≈ sqrt(1/180 / n).
        #expect(abs(variance - 1.0 / 12) < 5 * (1.0 / 180 / Double(n)).squareRoot())
        #expect(lo > 0 && hi < 1)
    }

    /// 200 000 normals: mean 0, variance 1, third moment 0, kurtosis 3, each within 5 SE.
    @Test func normalMoments() {
        let r = PhiloxRandom(seed: 7)
        let n = 200_000
        var m1 = 0.0, m2 = 0.0, m3 = 0.0, m4 = 0.0, tail = 0
        r.normals(chain: 0, iteration: 3, purpose: .momentum, count: n) { _, z in
            m1 += z; m2 += z * z; m3 += z * z * z; m4 += z * z * z * z
            if abs(z) > 1.959963984540054 { tail += 1 }
        }
        let dn = Double(n), se = 1 / dn.squareRoot()
        #expect(abs(m1 / dn) < 5 * se)
        #expect(abs(m2 / dn - 1) < 5 * 2.0.squareRoot() * se)      // Var(z²) = 2
        #expect(abs(m3 / dn) < 5 * 15.0.squareRoot() * se)         // Var(z³) = 15
        #expect(abs(m4 / dn - 3) < 5 * 96.0.squareRoot() * se)     // Var(z⁴) = 105 − 9
        let p = Double(tail) / dn                                    // P(|z| > 1.96) = 0.05
        #expect(abs(p - 0.05) < 5 * (0.05 * 0.95 / dn).squareRoot())
    }

    /// Box–Muller pairs are uncorrelated (cos/sin halves of the same radius).
    @Test func normalPairsUncorrelated() {
        let r = PhiloxRandom(seed: 11)
        let n = 100_000
        var zs = [Double](repeating: 0, count: n)
        r.normals(chain: 2, iteration: 0, purpose: .momentum, count: n) { zs[$0] = $1 }
        var c = 0.0
        for k in stride(from: 0, to: n, by: 2) { c += zs[k] * zs[k + 1] }
        #expect(abs(c / Double(n / 2)) < 5 / Double(n / 2).squareRoot())
    }
}
