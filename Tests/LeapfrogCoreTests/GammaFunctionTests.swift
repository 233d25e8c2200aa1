#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import Testing

/// The regularised incomplete gamma functions on the log scale (`GammaFunction.logRegularized`)
/// and their derivatives, against mpmath at 50 digits (`scripts/make_gamma_fixtures.py`): both
/// sides of the series/fraction split, shapes from 0.05 to 10⁴, tails down to 10⁻⁴⁷.
struct GammaFunctionTests {
    /// (a, x, [log P, d/da, d/dx, log Q, d/da, d/dx]).
    static let fixtures: [(Double, Double, [Double])] = [
        (0.5, 0.1, [-1.0634020471545286, -2.383393516493252, 4.6754698049399707, -4.2354632347596574e-1, 1.2569266764361567, -2.4656955228053889]),
        (0.5, 3.0, [-1.4409194045103478e-2, -4.7925949251873625e-2, 1.6452762327667109e-2, -4.2470847467855897, 3.3021618812990432, -1.1336172876820227]),
        (1.0, 1.0, [-4.5867514538708189e-1, -6.8298634588784425e-1, 5.8197670686932642e-1, -1.0, 1.1735630272247269, -1.0]),
        (2.5, 0.7, [-2.5811524681476011, -1.5214070536609441, 2.8905800223634747, -7.8704224972824366e-2, 1.2457932176936696e-1, -2.3669306504107707e-1]),
        (2.5, 3.5, [-2.4928260403883424e-1, -2.4024266233874504e-1, 1.9085223030519107e-1, -1.5112214692858768, 8.4860037176206419e-1, -6.7414035463960408e-1]),
        (3.0, 40.0, [-3.5728659287002327e-15, -9.9743303000893173e-15, 3.3986834042332833e-15, -3.3265408340027052e+1, 2.7916889407932095, -9.5124851367419738e-1]),
        (7.0, 0.001, [-5.6880323307863681e+1, -8.9234123832640271, 6.9991250121536891e+3, -1.9823916443893827e-25, 1.7689698148023355e-24, -1.387500694213021e-21]),
        (0.05, 2.0, [-2.642029797849148e-3, -5.6840963808300131e-2, 3.6075478881863306e-3, -5.9375285184780817, 2.1485718729768104e+1, -1.3636425921831748]),
        (30.0, 25.0, [-1.7031777879358342, -2.7432072043974819e-1, 2.992540927175301e-1, -2.0101998709648396e-1, 6.1077291359739381e-2, -6.6628686969774666e-2]),
        (30.0, 45.0, [-7.3642489381842249e-3, -3.4998360900319484e-3, 2.8613477757532013e-3, -4.9147980762286428, 4.7349907698065618e-1, -3.8711685230019633e-1]),
        (200.0, 180.0, [-2.5921618260601011, -1.3595866793487455e-1, 1.4325992051226277e-1, -7.7808077553100656e-2, 1.1001121023079212e-2, -1.1591903239792248e-2]),
        (200.0, 240.0, [-3.6613966317443899e-3, -7.5239127714737776e-4, 6.8721546432136346e-4, -5.6117407507241933, 2.0511700637058174e-1, -1.8734876792777644e-1]),
        (10000.0, 10200.0, [-2.3562756305381648e-2, -5.6190243807294935e-4, 5.5636613640956645e-4, -3.7598461809322813, 2.3567211027585689e-2, -2.3335008458647236e-2]),
        (4.0, 120.0, [-2.2644174967796547e-47, -8.0156884825451114e-47, 2.2082826452319359e-47, -1.0740418182067524e+2, 3.5398456750774258, -9.7521002570084755e-1]),
        (60.0, 5.0, [-9.6976504321988917e+1, -2.4946739355047751, 1.1017801623806751e+1, -7.6496100811493921e-43, 1.9083282886217956e-42, -8.4281886373576263e-42]),
    ]

    @Test func valuesAndDerivativesMatchMpmath() {
        for (a, x, want) in Self.fixtures {
            for (k, complement) in [false, true].enumerated() {
                let got = GammaFunction.logRegularized(a, x, complement: complement)
                // The exponent a log x − x − log Γ(a) is rounded to ε times its terms' size (2e-11 at
                // a = 10⁴), a relative error of the tail it sets: that much more, beside 1e-13 for
                // values and 1e-11 for the derivatives (through a sum of terms or a recurrence).
                let slack = 4 * Double.ulpOfOne * (a * abs(log(x)) + x + abs(lgamma(a)))
                for (j, (g, w)) in [got.value, got.da, got.dx].enumerated().map({ ($0.offset, ($0.element, want[3 * k + $0.offset])) }) {
                    let tolerance = j == 0 ? 1e-13 : 1e-11
                    #expect(abs(g - w) <= (tolerance + slack) * abs(w), "a \(a), x \(x), \(complement ? "Q" : "P") part \(j): \(g) vs \(w)")
                }
            }
        }
    }

    /// P + Q = 1, at x = 0 and ∞ the limits, outside the domain NaN.
    @Test func complementsAndEdges() {
        for (a, x) in [(0.3, 0.2), (5.0, 5.9), (5.0, 6.1), (80.0, 60.0)] {
            let (p, q) = (GammaFunction.logRegularized(a, x, complement: false), GammaFunction.logRegularized(a, x, complement: true))
            #expect(abs(exp(p.value) + exp(q.value) - 1) < 1e-15)
            #expect(abs(p.dx * exp(p.value) + q.dx * exp(q.value)) < 1e-14)
            #expect(abs(p.da * exp(p.value) + q.da * exp(q.value)) < 1e-14)
        }
        #expect(GammaFunction.logRegularized(2, 0, complement: false).value == -.infinity)
        #expect(GammaFunction.logRegularized(2, 0, complement: true).value == 0)
        #expect(GammaFunction.logRegularized(2, .infinity, complement: false).value == 0)
        #expect(GammaFunction.logRegularized(2, .infinity, complement: true).value == -.infinity)
        #expect(GammaFunction.logRegularized(0, 1, complement: false).value.isNaN)
        #expect(GammaFunction.logRegularized(1, -1, complement: true).value.isNaN)
    }

    /// ψ against closed forms: ψ(1) = −γ, ψ(½) = −γ − 2 log 2, ψ(x + 1) = ψ(x) + 1/x.
    @Test func digamma() {
        let eulerGamma = 0.577_215_664_901_532_860_61
        #expect(abs(GammaFunction.digamma(1) + eulerGamma) < 5e-14)
        #expect(abs(GammaFunction.digamma(0.5) + eulerGamma + 2 * log(2)) < 5e-14)
        #expect(abs(GammaFunction.digamma(13.7) - GammaFunction.digamma(12.7) - 1 / 12.7) < 1e-14)
        #expect(GammaFunction.digamma(-1).isNaN)
    }
}
