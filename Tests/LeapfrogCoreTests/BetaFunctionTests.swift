#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LeapfrogCore
import Testing

/// The regularised incomplete beta function on the log scale (`BetaFunction.logRegularized`) and
/// its derivatives, against mpmath at 60 digits (`scripts/make_beta_fixtures.py`): both sides of
/// the fraction's split, shapes from 0.1 to 600 (the Student t's ½, the binomial's integers),
/// tails down to 10⁻¹⁵.
struct BetaFunctionTests {
    /// (a, b, x, [log I, d/da, d/db, d/dx, log(1 − I), d/da, d/db, d/dx]).
    static let fixtures: [(Double, Double, Double, [Double])] = [
        (2.0, 3.0, 0.2, [-1.7103638310240608, -1.0784644611066667, 4.4468582542367605e-1, 8.4955752212389375, -1.9942702469689373e-1, 2.3802047676768233e-1, -9.8143551314209765e-2, -1.8750000000000001]),
        (2.0, 3.0, 0.7, [-8.7411457010969538e-2, -7.592628083712813e-2, 8.9351220912453199e-2, 8.2505729564553116e-1, -2.480516301486707, 8.311977435013199e-1, -9.7816635271303262e-1, -9.0322580645161275]),
        (0.5, 0.5, 0.01, [-2.7524949865978679, -5.2166452600087399, 1.3829464948917406, 5.0167899083584719e+1, -6.5892569029216591e-2, 3.5531594735295604e-1, -9.4195200071949216e-2, -3.4170340709656641]),
        (0.5, 0.5, 0.999, [-2.0340514397558022e-2, -2.8479822498270257e-2, 1.5455237102501741e-1, 1.0277823524513679e+1, -3.9052936169690371, 1.3859608832542206, -7.5212386126309934, -5.001667889900348e+2]),
        (1.5, 0.5, 0.9, [-5.0388095458217272e-1, -2.3086448396145199e-1, 1.2705104522863737, 3.1610698738154118, -9.2679900991715715e-1, 3.5239367452296064e-1, -1.9393188554536641, -4.8250861680553773]),
        (30.0, 40.0, 0.3, [-4.4123901252278729, -4.1052637323784129e-1, 2.3341690949628887e-1, 4.8842707414885517e+1, -1.2200282326299445e-2, 5.039215073390505e-3, -2.8651947484905301e-3, -5.9954469061040521e-1]),
        (30.0, 40.0, 0.55, [-2.0901430986683833e-2, -6.2782405835167206e-3, 6.0003873557341938e-3, 8.5519766681919622e-1, -3.8783701667433887, 2.972455352056195e-1, -2.8409047523266073e-1, -4.0489637948515553e+1]),
        (200.0, 5.0, 0.8, [-3.2920478903619547e+1, -2.0380092564464085e-1, 2.226099710299419, 2.3051654921826646e+2, -5.0444947054209028e-15, 1.0280726903742724e-15, -1.1229548202344453e-14, -1.162839512043445e-12]),
        (0.1, 8.0, 0.5, [-1.0730351864301225e-4, -1.2721401107844288e-3, 8.5416647099927171e-5, 1.8760697531031897e-3, -9.139902767572514, 1.1854894187412967e+1, -7.9598568163127663e-1, -1.7482829306852254e+1]),
        (5.0, 1.0, 0.3, [-6.0198640216296801, -1.203972804325936, 1.9941250308482548, 1.6666666666666667e+1, -2.4329572417029407e-3, 2.9327805713002837e-3, -4.8575276170707403e-3, -4.0598654730996315e-2]),
        (1.5, 0.5, 0.05, [-5.3353485411060776, -3.2720086355267819, 2.3556537078774744, 3.0312081009446673e+1, -4.8298755615076887e-3, 1.5841620277390062e-2, -1.1405034552793263e-2, -1.467577047185364e-1]),
        (3.0, 11.0, 0.95, [-3.4675292968756348e-13, -5.663311263948588e-13, 9.8346278030521679e-13, 7.5619628906276886e-11, -2.86901638867608e+1, 1.633241071402179, -2.8362061171081688, -2.1807927902555779e+2]),
        (400.0, 600.0, 0.45, [-6.9883418903800791e-4, -8.9437514949715046e-5, 6.6061027018064869e-5, 1.5328576409984255e-1, -7.2664464522920748, 1.27936310208365e-1, -9.4497304067740713e-2, -2.1926833585917065e+2]),
        (2.5, 0.5, 0.999999, [-1.6990945214296308e-3, -3.7348484921367384e-4, 2.1986634935125089e-2, 8.5026854990548061e+2, -6.3785092312455379, 2.1962736111992394e-1, -1.2929216863482508e+1, -4.9999949998552217e+5]),
    ]

    @Test func valuesAndDerivativesMatchMpmath() {
        for (a, b, x, want) in Self.fixtures {
            for (k, complement) in [false, true].enumerated() {
                let got = BetaFunction.logRegularized(a, b, x, complement: complement)
                // The exponent a log x + b log(1 − x) − log B(a, b) is rounded to ε times its
                // terms' size, a relative error of the tail it sets: that much beside 1e-13 for
                // values and 1e-10 for the derivatives (a recurrence differentiated alongside).
                let slack = 8 * Double.ulpOfOne * (a * abs(log(x)) + b * abs(log1p(-x)) + abs(lgamma(a)) + abs(lgamma(b)) + abs(lgamma(a + b)))
                for (j, g) in [got.value, got.da, got.db, got.dx].enumerated() {
                    let w = want[4 * k + j]
                    let tolerance = j == 0 ? 1e-13 : 1e-10
                    #expect(abs(g - w) <= (tolerance + slack) * abs(w), "a \(a), b \(b), x \(x), \(complement ? "1 − I" : "I") part \(j): \(g) vs \(w)")
                }
            }
        }
    }

    /// I + (1 − I) = 1 and its derivatives cancel; I_x(a, b) = 1 − I₁₋ₓ(b, a); the limits at
    /// x = 0 and 1; outside the domain NaN.
    @Test func complementsSymmetryAndEdges() {
        for (a, b, x) in [(0.7, 2.0, 0.2), (4.0, 4.0, 0.49), (4.0, 4.0, 0.51), (60.0, 3.0, 0.97)] {
            let (i, c) = (BetaFunction.logRegularized(a, b, x, complement: false), BetaFunction.logRegularized(a, b, x, complement: true))
            #expect(abs(exp(i.value) + exp(c.value) - 1) < 1e-15)
            for (p, q) in [(i.da, c.da), (i.db, c.db), (i.dx, c.dx)] { #expect(abs(p * exp(i.value) + q * exp(c.value)) < 1e-13) }
            let mirrored = BetaFunction.logRegularized(b, a, 1 - x, complement: true)
            #expect(abs(mirrored.value - i.value) < 1e-14 * max(1, abs(i.value)))
        }
        #expect(BetaFunction.logRegularized(2, 3, 0, complement: false).value == -.infinity)
        #expect(BetaFunction.logRegularized(2, 3, 0, complement: true).value == 0)
        #expect(BetaFunction.logRegularized(2, 3, 1, complement: false).value == 0)
        #expect(BetaFunction.logRegularized(2, 3, 1, complement: true).value == -.infinity)
        #expect(BetaFunction.logRegularized(0, 3, 0.5, complement: false).value.isNaN)
        #expect(BetaFunction.logRegularized(2, 3, 1.5, complement: false).value.isNaN)
    }
}
