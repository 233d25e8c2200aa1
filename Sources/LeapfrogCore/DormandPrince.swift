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
/// control and the starting step: ibid. §II.4 (`AdaptiveODE`, which drives the steps).
public enum DormandPrince {
    /// Nodes cᵢ of the stages.
    public static let c: [Double] = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1]
    /// The stage coefficients a_ij (row i, j < i).
    public static let a: [[Double]] = [
        [],
        [1.0 / 5],
        [3.0 / 40, 9.0 / 40],
        [44.0 / 45, -56.0 / 15, 32.0 / 9],
        [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
        [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
        [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
    ]
    /// b − b̂: the fifth-order weights (the last row of a) less the embedded fourth-order ones.
    public static let errorWeights: [Double] = [71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40]
    /// The step-size exponent: one over the order of the error estimate plus one.
    public static let exponent = 0.2

    /// The first of `times` that is not finite or not after the one before it (t0 for the first):
    /// output times must increase strictly after the initial time, as Stan's solvers require.
    public static func firstUnorderedTime(after t0: Double, _ times: [Double]) -> Int? {
        times.indices.first { k in !times[k].isFinite || !(times[k] > (k == 0 ? t0 : times[k - 1])) }
    }

    /// y at each of `times` (increasing, after `t0`) for y′ = f(t, y), y(t0) = `initial`
    /// (`AdaptiveODE`, explicit).
    public static func solve(_ f: @escaping (Double, [Double]) -> [Double], initial: [Double], from t0: Double, to times: [Double],
                             relativeTolerance rtol: Double, absoluteTolerance atol: Double,
                             maxSteps: Int) -> Result<[[Double]], AdaptiveODE.Failure> {
        AdaptiveODE.solve({ t, y, _ in (f(t, y), nil) }, stateCount: initial.count, initial: initial, from: t0, to: times,
                          relativeTolerance: rtol, absoluteTolerance: atol, maxSteps: maxSteps, method: .explicit)
    }

    /// One step of size h from (t, y) whose derivative is k₁: the fifth-order solution, its
    /// derivative (the next step's first stage), the scaled error of the embedded difference, and
    /// DOPRI5's stiffness estimate hλ ≈ h‖k₇ − k₆‖/‖y₁ − ŷ₆‖ (`AdaptiveODE`).
    static func step(_ f: (Double, [Double]) -> [Double], t: Double, y: [Double], derivative k0: [Double], size h: Double,
                     rtol: Double, atol: Double) -> (next: [Double], derivative: [Double], error: Double, stiffness: Double) {
        let n = y.count
        var k = [[Double]](repeating: [], count: 7)
        k[0] = k0
        var stage = [Double](repeating: 0, count: n)
        var sixth = stage
        for s in 1..<7 {
            for i in 0..<n {
                var acc = 0.0
                for j in 0..<s { acc += a[s][j] * k[j][i] }
                stage[i] = y[i] + h * acc
            }
            if s == 5 { sixth = stage }
            k[s] = f(t + c[s] * h, stage)
        }
        // stage now holds the fifth-order solution (row 7 of a is b) and k[6] its derivative.
        var error = 0.0
        var (numerator, denominator) = (0.0, 0.0)
        for i in 0..<n {
            var e = 0.0
            for j in 0..<7 { e += errorWeights[j] * k[j][i] }
            let scale = atol + rtol * Swift.max(Swift.abs(y[i]), Swift.abs(stage[i]))
            error = Swift.max(error, Swift.abs(h * e) / scale)
            numerator += (k[6][i] - k[5][i]) * (k[6][i] - k[5][i])
            denominator += (stage[i] - sixth[i]) * (stage[i] - sixth[i])
        }
        let stiffness = denominator > 0 ? h * (numerator / denominator).squareRoot() : 0
        return (stage, k[6], error, stiffness)
    }

    /// Hairer, Nørsett & Wanner's starting step (§II.4, "Starting step size"): a first guess from
    /// the sizes of y and f, refined by a second derivative estimated with one explicit Euler step;
    /// `exponent` is one over the order of the error estimate plus one (1/5 here, 1/3 for
    /// `RosenbrockW`).
    static func startingStep(_ f: (Double, [Double]) -> [Double], _ y0: [Double], _ f0: [Double], _ t0: Double, end: Double,
                             rtol: Double, atol: Double, exponent: Double = 0.2) -> Double {
        let n = Double(Swift.max(y0.count, 1))
        let scale = y0.map { atol + rtol * Swift.abs($0) }
        func norm(_ x: [Double]) -> Double { (zip(x, scale).reduce(0) { $0 + ($1.0 / $1.1) * ($1.0 / $1.1) } / n).squareRoot() }
        let (d0, d1) = (norm(y0), norm(f0))
        let h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : 0.01 * d0 / d1
        let f1 = f(t0 + h0, zip(y0, f0).map { $0 + h0 * $1 })
        let d2 = norm(zip(f1, f0).map { $0 - $1 }) / h0
        let m = Swift.max(d1, d2)
        let h1 = m <= 1e-15 || !m.isFinite ? Swift.max(1e-6, h0 * 1e-3) : pow(0.01 / m, exponent)
        return Swift.min(100 * h0, h1, Swift.max(end - t0, 1e-6))
    }
}
