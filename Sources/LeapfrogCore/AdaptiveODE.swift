#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adaptive integration of z′ = F(t, z) to a list of output times, by the explicit
/// Dormand–Prince 5(4) pair (`DormandPrince`), the linearly implicit Rosenbrock–W method for stiff
/// systems (`RosenbrockW`), or switching between them as the system turns stiff and back (as
/// LSODA switches Adams and BDF, Petzold 1983): the solver behind Stan's `ode_bdf`, explicit
/// and fifth-order where the system allows it, implicit where stability would bound an explicit
/// step far below what accuracy asks.
///
/// The state is y (the first `stateCount` values) followed by an n × p row-major matrix whose
/// columns evolve with y's Jacobian (forward sensitivities, `RosenbrockW`). Steps land exactly on
/// each output time; the error is controlled over every component in the maximum norm,
/// max_i |errᵢ| / (atol + rtol · max(|zᵢ|, |zᵢ′|)) ≤ 1, with Hairer, Nørsett & Wanner's step-size
/// controller (*Solving ODEs I*, §II.4: safety 0.9, factors within 0.2…5).
///
/// Stiffness is read as DOPRI5 reads it (ibid. §IV.2, "Automatic stiffness detection"): after an
/// explicit step, hλ ≈ h‖k₇ − k₆‖/‖y₁ − ŷ₆‖ (two evaluations at t + h) above 3.25, the edge of
/// the method's stability region on the negative axis, for 15 accepted steps (reset after 6
/// below) switches to the stiff method; after a stiff step h‖W‖∞ (a bound on hλ) at or below
/// 3.25 for 15 accepted steps switches back, and the next switch to it then waits for a stiff
/// run twice as long.
public enum AdaptiveODE {
    /// Why a solve stopped.
    public enum Failure: Error, Equatable, Sendable {
        /// More steps than allowed (Stan: "max_num_steps exceeded").
        case tooManySteps
        /// The state or its derivative is not finite, or the step size underflowed.
        case notFinite
    }

    public enum Method: Sendable {
        case explicit, stiff, switching
    }

    /// At (t, z): the derivative of the whole state, and W ≈ ∂f/∂y (n × n, row-major) when
    /// `jacobian` is true (nil is allowed otherwise).
    public typealias System = (_ t: Double, _ z: [Double], _ jacobian: Bool) -> (derivative: [Double], jacobian: [Double]?)

    public static let (safety, smallestFactor, largestFactor) = (0.9, 0.2, 5.0)
    /// DOPRI5's stiffness test: the stability boundary, and the runs of steps that switch.
    public static let (stabilityBoundary, switchingRun, resetRun) = (3.25, 15, 6)

    /// z at each of `times` (increasing, after `t0`) for z′ = F(t, z), z(t0) = `initial`.
    public static func solve(_ system: System, stateCount n: Int, initial: [Double], from t0: Double, to times: [Double],
                             relativeTolerance rtol: Double, absoluteTolerance atol: Double, maxSteps: Int,
                             method: Method) -> Result<[[Double]], Failure> {
        var z = initial
        var t = t0
        var stiff = method == .stiff
        var (f0, w) = system(t, z, stiff)
        guard finite(f0), finite(w ?? []), finite(z), !stiff || w?.count == n * n else { return .failure(.notFinite) }
        let derivative = { (t: Double, z: [Double]) in system(t, z, false).derivative }
        var h = DormandPrince.startingStep(derivative, z, f0, t0, end: times.last ?? t0, rtol: rtol, atol: atol,
                                           exponent: stiff ? RosenbrockW.exponent : DormandPrince.exponent)
        var steps = 0
        var (stiffRun, calmRun) = (0, 0)
        // The stiff run that switches: doubled each time the stiff method gave way, so that a
        // system it does not serve better (accuracy, not stability, bounding its steps) is not
        // switched back and forth.
        var patience = switchingRun
        var out: [[Double]] = []
        out.reserveCapacity(times.count)
        for target in times {
            while t < target {
                let remaining = target - t
                let landing = h >= remaining * (1 - 1e-12)
                let step = landing ? remaining : h
                let end = landing ? target : t + step
                steps += 1
                if steps > maxSteps { return .failure(.tooManySteps) }
                let exponent = stiff ? RosenbrockW.exponent : DormandPrince.exponent
                var attempt: (next: [Double], derivative: [Double]?, error: Double, stiffness: Double)?
                if stiff {
                    attempt = RosenbrockW.step(derivative, t: t, z: z, derivative: f0, jacobian: w!, size: step, stateCount: n, rtol: rtol, atol: atol)
                        .map { ($0.next, nil, $0.error, 0) }
                } else {
                    let s = DormandPrince.step(derivative, t: t, y: z, derivative: f0, size: step, rtol: rtol, atol: atol)
                    attempt = (s.next, s.derivative, s.error, s.stiffness)
                }
                // A step that overflowed or met a singular matrix is never accepted (its scaled
                // error can read 0); it shrinks the most.
                var accepted: (f: [Double], w: [Double]?)?
                if let a = attempt, a.error.isFinite, a.error <= 1, finite(a.next) {
                    let (f1, w1) = a.derivative.map { ($0, nil) } ?? system(end, a.next, true)
                    if finite(f1), finite(w1 ?? []), !stiff || w1?.count == n * n { accepted = (f1, w1) }
                }
                let error = attempt?.error ?? .infinity
                let factor = error == 0 ? largestFactor : safety * pow(error, -exponent)
                guard let (f1, w1) = accepted else {
                    h = step * (error.isFinite && error > 1 ? Swift.min(1, Swift.max(smallestFactor, factor)) : smallestFactor)
                    if h <= 1e-14 * Swift.max(1, Swift.abs(t)) { return .failure(.notFinite) }
                    continue
                }
                (t, z, f0, w) = (end, attempt!.next, f1, w1)
                h = step * Swift.min(largestFactor, Swift.max(smallestFactor, factor))
                guard method == .switching else { continue }
                if stiff {
                    // Back to the explicit method once it would be stable at this step size.
                    calmRun = step * infinityNorm(w!, n) <= stabilityBoundary ? calmRun + 1 : 0
                    if calmRun == switchingRun { (stiff, calmRun, patience) = (false, 0, 2 * patience) }
                } else {
                    if attempt!.stiffness > stabilityBoundary {
                        (stiffRun, calmRun) = (stiffRun + 1, 0)
                    } else {
                        calmRun += 1
                        if calmRun == resetRun { (stiffRun, calmRun) = (0, 0) }
                    }
                    if stiffRun == patience {
                        (stiff, stiffRun, calmRun) = (true, 0, 0)
                        (f0, w) = system(t, z, true)
                        guard finite(f0), finite(w ?? []), w?.count == n * n else { return .failure(.notFinite) }
                    }
                }
            }
            out.append(z)
        }
        return .success(out)
    }

    static func finite(_ x: [Double]) -> Bool { x.allSatisfy(\.isFinite) }

    /// max over rows of Σ|Wᵢⱼ|, a bound on W's spectral radius.
    static func infinityNorm(_ w: [Double], _ n: Int) -> Double {
        (0..<n).map { r in (0..<n).reduce(0.0) { $0 + Swift.abs(w[r * n + $1]) } }.max() ?? 0
    }
}
