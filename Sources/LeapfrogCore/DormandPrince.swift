#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Dormand–Prince 5(4) Runge–Kutta pair with adaptive step size: the explicit method behind
/// Stan's `ode_rk45` (Boost.Odeint's `runge_kutta_dopri5`) and MATLAB's `ode45`.
///
/// Each step takes the fifth-order solution and estimates its error by the difference from the
/// embedded fourth-order one (local extrapolation); the last stage is the next step's first
/// (first same as last, six evaluations of f per step). Coefficients: Dormand & Prince, "A family
/// of embedded Runge–Kutta formulae", J. Comput. Appl. Math. 6 (1980) 19–26; Hairer, Nørsett &
/// Wanner, *Solving Ordinary Differential Equations I* (2nd ed., 1993), Table II.5.2. Step-size
/// control and the starting step: ibid. §II.4.
///
/// Error control is over every component of the state in the maximum norm, as Stan's (whose
/// coupled system holds the sensitivities too): a step is accepted when
/// max_i |errᵢ| / (atol + rtol · max(|yᵢ|, |yᵢ′|)) ≤ 1.
public enum DormandPrince {
    /// Nodes cᵢ of the stages.
    static let c: [Double] = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1]
    /// The stage coefficients a_ij (row i, j < i).
    static let a: [[Double]] = [
        [],
        [1.0 / 5],
        [3.0 / 40, 9.0 / 40],
        [44.0 / 45, -56.0 / 15, 32.0 / 9],
        [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
        [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
        [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
    ]
    /// b − b̂: the fifth-order weights (the last row of a) less the embedded fourth-order ones.
    static let errorWeights: [Double] = [71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40]
    /// Step-size factor bounds and safety factor (Hairer, Nørsett & Wanner, eq. II.4.13).
    static let (safety, smallestFactor, largestFactor) = (0.9, 0.2, 5.0)

    /// Why a solve stopped.
    public enum Failure: Error, Equatable, Sendable {
        /// More steps than allowed (Stan: "max_num_steps exceeded").
        case tooManySteps
        /// The state or its derivative is not finite, or the step size underflowed.
        case notFinite
    }

    /// The first of `times` that is not finite or not after the one before it (t0 for the first):
    /// output times must increase strictly after the initial time, as Stan's solvers require.
    public static func firstUnorderedTime(after t0: Double, _ times: [Double]) -> Int? {
        times.indices.first { k in !times[k].isFinite || !(times[k] > (k == 0 ? t0 : times[k - 1])) }
    }

    /// y at each of `times` (increasing, after `t0`) for y′ = f(t, y), y(t0) = `initial`.
    public static func solve(_ f: (Double, [Double]) -> [Double], initial: [Double], from t0: Double, to times: [Double],
                      relativeTolerance rtol: Double, absoluteTolerance atol: Double, maxSteps: Int) -> Result<[[Double]], Failure> {
        let n = initial.count
        var y = initial
        var t = t0
        var k = [[Double]](repeating: [], count: 7)
        k[0] = f(t, y)
        guard k[0].allSatisfy(\.isFinite), y.allSatisfy(\.isFinite) else { return .failure(.notFinite) }
        var h = startingStep(f, y, k[0], t0, end: times.last ?? t0, rtol: rtol, atol: atol)
        var steps = 0
        var out: [[Double]] = []
        out.reserveCapacity(times.count)
        var stage = [Double](repeating: 0, count: n)
        for target in times {
            while t < target {
                // Land on the output time exactly (a step within a hair of it is stretched to it).
                let remaining = target - t
                let landing = h >= remaining * (1 - 1e-12)
                let step = landing ? remaining : h
                for s in 1..<7 {
                    for i in 0..<n {
                        var acc = 0.0
                        for j in 0..<s { acc += a[s][j] * k[j][i] }
                        stage[i] = y[i] + step * acc
                    }
                    k[s] = f(t + c[s] * step, stage)
                }
                // stage now holds the fifth-order solution (row 7 of a is b) and k[6] its derivative.
                var error = 0.0
                for i in 0..<n {
                    var e = 0.0
                    for j in 0..<7 { e += errorWeights[j] * k[j][i] }
                    let scale = atol + rtol * Swift.max(Swift.abs(y[i]), Swift.abs(stage[i]))
                    error = Swift.max(error, Swift.abs(step * e) / scale)
                }
                steps += 1
                if steps > maxSteps { return .failure(.tooManySteps) }
                // A state or derivative that overflowed is never accepted (its scaled error can read 0).
                guard error.isFinite, stage.allSatisfy(\.isFinite), k[6].allSatisfy(\.isFinite) else {
                    h = step * smallestFactor
                    if h <= 1e-14 * Swift.max(1, Swift.abs(t)) { return .failure(.notFinite) }
                    continue
                }
                let factor = error == 0 ? largestFactor : safety * pow(error, -0.2)
                if error <= 1 {
                    t = landing ? target : t + step
                    y = stage
                    k[0] = k[6]
                    h = step * Swift.min(largestFactor, Swift.max(smallestFactor, factor))
                } else {
                    h = step * Swift.min(1, Swift.max(smallestFactor, factor))
                    if h <= 1e-14 * Swift.max(1, Swift.abs(t)) { return .failure(.notFinite) }
                }
            }
            out.append(y)
        }
        return .success(out)
    }

    /// Hairer, Nørsett & Wanner's starting step (§II.4, "Starting step size"): a first guess from
    /// the sizes of y and f, refined by a second derivative estimated with one explicit Euler step.
    static func startingStep(_ f: (Double, [Double]) -> [Double], _ y0: [Double], _ f0: [Double], _ t0: Double, end: Double,
                             rtol: Double, atol: Double) -> Double {
        let n = Double(Swift.max(y0.count, 1))
        let scale = y0.map { atol + rtol * Swift.abs($0) }
        func norm(_ x: [Double]) -> Double { (zip(x, scale).reduce(0) { $0 + ($1.0 / $1.1) * ($1.0 / $1.1) } / n).squareRoot() }
        let (d0, d1) = (norm(y0), norm(f0))
        let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1
        let f1 = f(t0 + h0, zip(y0, f0).map { $0 + h0 * $1 })
        let d2 = norm(zip(f1, f0).map { $0 - $1 }) / h0
        let m = Swift.max(d1, d2)
        let h1 = m <= 1e-15 || !m.isFinite ? Swift.max(1e-6, h0 * 1e-3) : pow(0.01 / m, 0.2)
        return Swift.min(100 * h0, h1, Swift.max(end - t0, 1e-6))
    }
}
