#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard normal quantile function Φ⁻¹(p).
///
/// Wichura, M. J. (1988), "Algorithm AS 241: The Percentage Points of the Normal
/// Distribution", *Applied Statistics* 37(3), 477–484, function PPND16: rational
/// approximations in three regions (|p − ½| ≤ 0.425; r = √(−log min(p, 1−p)) ≤ 5; r > 5),
/// "accurate to about 1 part in 10¹⁶". The tests check it against SciPy's `norm.ppf` (Cephes
/// `ndtri`) to 1e-14 relative over p ∈ [1e-300, 1 − 1e-10].
///
/// Returns −∞ at 0, +∞ at 1 and NaN outside [0, 1] or for NaN, like `scipy.stats.norm.ppf`.
enum InverseNormalCDF {
    // AS 241 region boundaries and constants.
    static let split1 = 0.425
    static let split2 = 5.0
    static let const1 = 0.180625  // 0.425²
    static let const2 = 1.6

    // Coefficients for |p − ½| ≤ 0.425 (AS 241, A0…A7, B1…B7).
    static let a: [Double] = [
        3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3,
        1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4,
        3.3430575583588128105e+4, 2.5090809287301226727e+3,
    ]
    static let b: [Double] = [
        1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3,
        2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4,
        5.2264952788528545610e+3,
    ]
    // Coefficients for r ≤ 5 (C0…C7, D1…D7).
    static let c: [Double] = [
        1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
        3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
        2.27238449892691845833e-2, 7.74545014278341407640e-4,
    ]
    static let d: [Double] = [
        1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1,
        1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4,
        1.05075007164441684324e-9,
    ]
    // Coefficients for r > 5 (E0…E7, F1…F7).
    static let e: [Double] = [
        6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
        2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
        2.71155556874348757815e-5, 2.01033439929228813265e-7,
    ]
    static let f: [Double] = [
        1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2,
        7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7,
        2.04426310338993978564e-15,
    ]

    /// Horner evaluation of Σ coefficients[i]·xⁱ.
    @inline(__always)
    static func poly(_ coefficients: [Double], _ x: Double) -> Double {
        var s = 0.0
        for k in stride(from: coefficients.count - 1, through: 0, by: -1) { s = s * x + coefficients[k] }
        return s
    }

    static func quantile(_ p: Double) -> Double {
        guard p >= 0, p <= 1 else { return .nan }
        if p == 0 { return -.infinity }
        if p == 1 { return .infinity }
        let q = p - 0.5
        if abs(q) <= split1 {
            let r = const1 - q * q
            return q * poly(a, r) / poly(b, r)
        }
        var r = q < 0 ? p : 1 - p
        r = (-log(r)).squareRoot()
        let z: Double
        if r <= split2 {
            r -= const2
            z = poly(c, r) / poly(d, r)
        } else {
            r -= split2
            z = poly(e, r) / poly(f, r)
        }
        return q < 0 ? -z : z
    }
}
