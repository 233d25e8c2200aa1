#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fixed-significance number formatting without Foundation, for tables and warnings.
enum NumberFormat {
    /// `x` with `digits` significant digits, like C's `%.{digits}g` but keeping all integer
    /// digits for |x| < 10⁶ (so 12345.6 → "12346"), scientific ("1.23e-05") for |x| < 10⁻³ or
    /// ≥ 10⁶. "NaN", "inf", "-inf" for non-finite values.
    static func significant(_ x: Double, digits: Int = 3) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == 0 { return "0" }
        let a = abs(x)
        if a < 1e-3 || a >= 1e6 { return scientific(x, digits: digits) }
        var e = Int(floor(log10(a)))
        var decimals = max(digits - 1 - e, 0)
        var s = fixed(x, decimals: decimals)
        // Rounding may carry into a new leading digit (9.996 → 10.0): one fewer decimal then.
        let rounded = (a * pow(10, Double(decimals))).rounded() / pow(10, Double(decimals))
        if rounded >= pow(10, Double(e + 1)) && decimals > 0 {
            e += 1
            decimals = max(digits - 1 - e, 0)
            s = fixed(x, decimals: decimals)
        }
        return s
    }

    /// `x` rounded to `decimals` places (half away from zero), e.g. fixed(1.005, 1) = "1.0".
    static func fixed(_ x: Double, decimals: Int) -> String {
        if !x.isFinite { return significant(x) }
        let scale = pow(10, Double(decimals))
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9e18 else { return scientific(x, digits: 6) }
        let digits = String(UInt64(scaled))
        let sign = x < 0 && scaled != 0 ? "-" : ""
        if decimals == 0 { return sign + digits }
        let padded = String(repeating: "0", count: max(decimals + 1 - digits.count, 0)) + digits
        let cut = padded.index(padded.endIndex, offsetBy: -decimals)
        return sign + padded[..<cut] + "." + padded[cut...]
    }

    /// Scientific notation with `digits` significant digits: "1.23e-05", "-4.6e+07".
    static func scientific(_ x: Double, digits: Int) -> String {
        var e = Int(floor(log10(abs(x))))
        var mantissa = x / pow(10, Double(e))
        let scale = pow(10, Double(digits - 1))
        if (abs(mantissa) * scale).rounded() >= 10 * scale { e += 1; mantissa = x / pow(10, Double(e)) }
        let exponent = (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
        return fixed(mantissa, decimals: digits - 1) + "e" + exponent
    }

    /// A rounded count ("1234"), or "NaN".
    static func integer(_ x: Double) -> String {
        x.isFinite ? fixed(x, decimals: 0) : significant(x)
    }
}
