#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Radix-2 fast Fourier transform, for the autocovariances of long-memory chains.
///
/// Iterative Cooley–Tukey (Cooley & Tukey 1965) on separate real and imaginary arrays, with a
/// bit-reversal permutation and a precomputed twiddle table; length a power of 2.
///
/// ``autocovariances(_:rows:columns:)`` follows ArviZ's `autocov` (Wiener–Khinchin: the inverse
/// transform of |X|² of the zero-padded series gives the linear autocorrelation sums when the
/// padding reaches 2n), with two real rows packed into one complex transform
/// z = x + i·y, separated by X_k = (Z_k + conj Z_{m−k})/2, Y_k = (Z_k − conj Z_{m−k})/(2i)
/// (e.g. Press et al., *Numerical Recipes*, 3rd ed., §12.3).
enum FFT {
    /// In-place forward (sign −1) or unnormalised inverse (sign +1) transform of `re + i·im`
    /// (length `n`, a power of 2), using `cosTable[k] = cos(2πk/n)`, `sinTable[k] = sin(2πk/n)`.
    static func transform(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, _ n: Int,
                          cosTable: UnsafePointer<Double>, sinTable: UnsafePointer<Double>, inverse: Bool) {
        // Bit reversal.
        var j = 0, i = 1
        while i < n {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j {
                let tr = re[i]; re[i] = re[j]; re[j] = tr
                let ti = im[i]; im[i] = im[j]; im[j] = ti
            }
            i += 1
        }
        let sign = inverse ? 1.0 : -1.0
        var len = 2
        while len <= n {
            let half = len >> 1, step = n / len
            var start = 0
            while start < n {
                var k = 0
                while k < half {
                    let wr = cosTable[k * step], wi = sign * sinTable[k * step]
                    let a = start + k, b = a + half
                    let xr = re[b] * wr - im[b] * wi
                    let xi = re[b] * wi + im[b] * wr
                    re[b] = re[a] - xr; im[b] = im[a] - xi
                    re[a] += xr; im[a] += xi
                    k += 1
                }
                start += len
            }
            len <<= 1
        }
    }

    /// For `rows` series of length `columns` (row-major, each already centred), the chain-mean
    /// biased autocovariances (1/M) Σₘ (1/n) Σᵢ yₘ,ᵢ yₘ,ᵢ₊ₜ for t = 0 ..< n.
    static func autocovariances(_ values: [Double], rows: Int, columns n: Int) -> [Double] {
        guard rows > 0, n > 0 else { return [] }
        var m = 1
        while m < 2 * n { m <<= 1 }
        let cosTable = (0..<m).map { cos(2 * Double.pi * Double($0) / Double(m)) }
        let sinTable = (0..<m).map { sin(2 * Double.pi * Double($0) / Double(m)) }
        var re = [Double](repeating: 0, count: m), im = [Double](repeating: 0, count: m)
        var total = [Double](repeating: 0, count: n)
        values.withUnsafeBufferPointer { vb in
            re.withUnsafeMutableBufferPointer { rb in
                im.withUnsafeMutableBufferPointer { ib in
                    total.withUnsafeMutableBufferPointer { tb in
                        cosTable.withUnsafeBufferPointer { cb in
                            sinTable.withUnsafeBufferPointer { sb in
                                let v = vb.baseAddress!, r = rb.baseAddress!, im = ib.baseAddress!
                                let t = tb.baseAddress!, c = cb.baseAddress!, s = sb.baseAddress!
                                var row = 0
                                while row < rows {
                                    let paired = row + 1 < rows
                                    r.update(repeating: 0, count: m)
                                    im.update(repeating: 0, count: m)
                                    r.update(from: v + row * n, count: n)
                                    if paired { im.update(from: v + (row + 1) * n, count: n) }
                                    transform(r, im, m, cosTable: c, sinTable: s, inverse: false)
                                    // Power spectra of the two rows: |X_k|² into re, |Y_k|² into im.
                                    var k = 0
                                    while k <= m / 2 {
                                        let k2 = (m - k) & (m - 1)
                                        let a = r[k], b = im[k], cc = r[k2], d = im[k2]
                                        let px = ((a + cc) * (a + cc) + (b - d) * (b - d)) / 4
                                        let py = ((a - cc) * (a - cc) + (b + d) * (b + d)) / 4
                                        r[k] = px; im[k] = py
                                        r[k2] = px; im[k2] = py
                                        k += 1
                                    }
                                    transform(r, im, m, cosTable: c, sinTable: s, inverse: true)
                                    let scale = 1 / (Double(m) * Double(n))
                                    var lag = 0
                                    while lag < n {
                                        t[lag] += r[lag] * scale
                                        if paired { t[lag] += im[lag] * scale }
                                        lag += 1
                                    }
                                    row += paired ? 2 : 1
                                }
                            }
                        }
                    }
                }
            }
        }
        return total.map { $0 / Double(rows) }
    }
}
