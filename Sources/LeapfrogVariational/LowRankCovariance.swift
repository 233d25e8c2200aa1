#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Σ = D² + BBᵀ (D = diag(exp ω), B d×r) through its r×r capacitance matrix C = I + BᵀD⁻²B, so
/// that nothing d×d is formed (Woodbury; the matrix determinant lemma):
///
///     Σ⁻¹ = A − AB C⁻¹ BᵀA,  A = D⁻²
///     Σ⁻¹B = AB C⁻¹                         (since BᵀAB = C − I)
///     (Σ⁻¹)ᵢᵢ = aᵢ − Σⱼₖ (AB)ᵢⱼ (C⁻¹)ⱼₖ (AB)ᵢₖ
///     log det Σ = Σᵢ 2ωᵢ + log det C
///
/// Setting up costs O(d·r² + r³); each solve Σ⁻¹v costs O(d·r).
struct LowRankCovariance {
    let dimension: Int
    let rank: Int
    /// aᵢ = exp(−2ωᵢ).
    let a: [Double]
    /// AB, d×r row-major.
    let ab: [Double]
    /// C⁻¹, r×r row-major.
    let capacitanceInverse: [Double]
    /// log det C.
    let logDetCapacitance: Double

    /// nil when C is not numerically positive definite (it always is for finite ω and B).
    init?(logScale omega: ArraySlice<Double>, factor b: ArraySlice<Double>, rank r: Int) {
        let d = omega.count
        dimension = d
        rank = r
        let a = omega.map { exp(-2 * $0) }
        var ab = [Double](repeating: 0, count: d * r)
        let b0 = b.startIndex
        for i in 0..<d { for j in 0..<r { ab[i * r + j] = a[i] * b[b0 + i * r + j] } }
        var c = [Double](repeating: 0, count: r * r)
        for j in 0..<r { for k in 0...j {
            var s = 0.0
            for i in 0..<d { s += b[b0 + i * r + j] * ab[i * r + k] }
            c[j * r + k] = s; c[k * r + j] = s
        } }
        for j in 0..<r { c[j * r + j] += 1 }
        guard let l = DenseMatrix.cholesky(c, r),
              let lInverseT = DenseMatrix.invertUpperTriangular(DenseMatrix.transpose(l, rows: r, columns: r), r) else { return nil }
        // C⁻¹ = L⁻ᵀL⁻¹ = (L⁻ᵀ)(L⁻ᵀ)ᵀ.
        var inverse = [Double](repeating: 0, count: r * r)
        for j in 0..<r { for k in 0..<r {
            var s = 0.0
            for m in 0..<r { s += lInverseT[j * r + m] * lInverseT[k * r + m] }
            inverse[j * r + k] = s
        } }
        self.a = a
        self.ab = ab
        capacitanceInverse = inverse
        logDetCapacitance = 2 * (0..<r).reduce(0.0) { $0 + log(l[$1 * r + $1]) }
    }

    /// Σ⁻¹v.
    func solve(_ v: [Double]) -> [Double] {
        let d = dimension, r = rank
        var u = [Double](repeating: 0, count: r)   // (AB)ᵀv = BᵀAv
        for i in 0..<d { for j in 0..<r { u[j] += ab[i * r + j] * v[i] } }
        var w = [Double](repeating: 0, count: r)   // C⁻¹u
        for j in 0..<r { for k in 0..<r { w[j] += capacitanceInverse[j * r + k] * u[k] } }
        return (0..<d).map { i in
            var s = a[i] * v[i]
            for j in 0..<r { s -= ab[i * r + j] * w[j] }
            return s
        }
    }

    /// The diagonal of Σ⁻¹.
    var inverseDiagonal: [Double] {
        let d = dimension, r = rank
        return (0..<d).map { i in
            var s = 0.0
            for j in 0..<r { for k in 0..<r { s += ab[i * r + j] * capacitanceInverse[j * r + k] * ab[i * r + k] } }
            return a[i] - s
        }
    }

    /// Σ⁻¹B = AB·C⁻¹, d×r row-major.
    var inverseTimesFactor: [Double] {
        DenseMatrix.multiply(ab, capacitanceInverse, rows: dimension, inner: rank, columns: rank)
    }
}
