#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Number formatting without Foundation, for tables, warnings, progress and messages: the one
/// formatter every module uses.
package enum NumberFormat {
    /// `x` with `digits` significant digits, like C's `%.{digits}g` but keeping all integer
    /// digits for |x| < 10⁶ (so 12345.6 → "12346"), scientific ("1.23e-05") for |x| < 10⁻³ or
    /// ≥ 10⁶. "NaN", "inf", "-inf" for non-finite values.
    package static func significant(_ x: Double, digits: Int = 3) -> String {
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
    package static func fixed(_ x: Double, decimals: Int) -> String {
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
    package static func scientific(_ x: Double, digits: Int) -> String {
        var e = Int(floor(log10(abs(x))))
        var mantissa = x / pow(10, Double(e))
        let scale = pow(10, Double(digits - 1))
        if (abs(mantissa) * scale).rounded() >= 10 * scale { e += 1; mantissa = x / pow(10, Double(e)) }
        let exponent = (e < 0 ? "-" : "+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
        return fixed(mantissa, decimals: digits - 1) + "e" + exponent
    }

    /// A rounded count ("1234"), or "NaN".
    package static func integer(_ x: Double) -> String {
        x.isFinite ? fixed(x, decimals: 0) : significant(x)
    }

    /// 1.2e5 → "120k".
    package static func si(_ x: Double) -> String {
        let units: [(Double, String)] = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (scale, suffix) in units where x >= scale { return fixed(x / scale, decimals: 1) + suffix }
        return fixed(x, decimals: 0)
    }

    /// Bytes in binary units, three significant figures: 1.5e11 → "140 GiB", 2.29e10 → "21.3 GiB",
    /// 512 → "512 bytes".
    package static func bytes(_ x: Double) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var value = x, unit = 0
        while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
        let decimals = unit == 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2
        return fixed(value, decimals: decimals) + " " + units[unit]
    }

    /// An integer with thousands separators: 14900000 → "14,900,000".
    package static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (k, ch) in digits.enumerated() {
            if k > 0 && (digits.count - k) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// Seconds as "42s", "3m05s" → "3m5s", "1h2m".
    package static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        return t >= 3600 ? "\(t / 3600)h\(t % 3600 / 60)m" : t >= 60 ? "\(t / 60)m\(t % 60)s" : "\(t)s"
    }
}
