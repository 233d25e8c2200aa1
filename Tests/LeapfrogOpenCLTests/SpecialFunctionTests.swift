import Foundation
import LeapfrogCore
import Testing
@testable import LeapfrogOpenCL

/// Double references for special.cl and activations.cl, written independently of the kernels.
enum Reference {
    static func lgamma(_ x: Double) -> Double { Foundation.lgamma(x) }

    /// ψ(x) by the recurrence up to 40 and the asymptotic series (checked against scipy below).
    static func digamma(_ x: Double) -> Double {
        var z = x, acc = 0.0
        while z < 40 { acc -= 1 / z; z += 1 }
        let r2 = 1 / (z * z)
        let series = r2 * (1.0 / 12 - r2 * (1.0 / 120 - r2 * (1.0 / 252 - r2 * (1.0 / 240 - r2 / 132))))
        return acc + log(z) - 0.5 / z - series
    }

    static func log1pExp(_ x: Double) -> Double { x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) }
    static func invLogit(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
    static func logInvLogit(_ x: Double) -> Double { -log1pExp(-x) }
    static func log1mInvLogit(_ x: Double) -> Double { -log1pExp(x) }
    static func logSumExp(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity && b == -.infinity { return -.infinity }
        if a == .infinity || b == .infinity { return .infinity }
        // Independent of the kernel's formula where it cannot overflow.
        if abs(a) < 700 && abs(b) < 700 { return log(exp(a) + exp(b)) }
        let m = max(a, b)
        return m + log1p(exp(-abs(a - b)))
    }
}

/// The outputs of t_special, in order: name, floor of the tolerance, reference.
let specialColumns: [(String, Double, (Double, Double, Double, Double) -> Double)] = [
    ("lgamma", 1, { xp, _, _, _ in Reference.lgamma(xp) }),
    ("digamma", 1, { xp, _, _, _ in Reference.digamma(xp) }),
    ("log1p", 1e-300, { _, _, xl, _ in log1p(xl) }),
    ("expm1", 1e-300, { _, xs, _, _ in expm1(xs) }),
    ("log1p_exp", 1e-300, { _, xs, _, _ in Reference.log1pExp(xs) }),
    ("log_inv_logit", 1e-300, { _, xs, _, _ in Reference.logInvLogit(xs) }),
    ("log1m_inv_logit", 1e-300, { _, xs, _, _ in Reference.log1mInvLogit(xs) }),
    ("inv_logit", 1e-300, { _, xs, _, _ in Reference.invLogit(xs) }),
    ("log_sum_exp", 1, { _, xs, _, ys in Reference.logSumExp(xs, ys) }),
    ("tanh", 1e-300, { _, xs, _, _ in tanh(xs) }),
    ("tanh_grad", 1, { _, xs, _, _ in 1 - tanh(xs) * tanh(xs) }),
    ("relu", 1e-300, { _, xs, _, _ in max(xs, 0) }),
    ("relu_grad", 1e-300, { _, xs, _, _ in xs > 0 ? 1 : 0 }),
    ("softplus", 1e-300, { _, xs, _, _ in Reference.log1pExp(xs) }),
    ("softplus_grad", 1e-300, { _, xs, _, _ in Reference.invLogit(xs) }),
]

let specialKernel = """
__kernel void t_special(__global const real* in, __global real* out, const int stride) {
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    const realw xp = LOADW(in + 0 * stride + c), xs = LOADW(in + 1 * stride + c);
    const realw xl = LOADW(in + 2 * stride + c), ys = LOADW(in + 3 * stride + c);
    STOREW(lf_lgamma(xp), out + 0 * stride + c);
    STOREW(lf_digamma(xp), out + 1 * stride + c);
    STOREW(lf_log1p(xl), out + 2 * stride + c);
    STOREW(lf_expm1(xs), out + 3 * stride + c);
    STOREW(lf_log1p_exp(xs), out + 4 * stride + c);
    STOREW(lf_log_inv_logit(xs), out + 5 * stride + c);
    STOREW(lf_log1m_inv_logit(xs), out + 6 * stride + c);
    STOREW(lf_inv_logit(xs), out + 7 * stride + c);
    STOREW(lf_log_sum_exp(xs, ys), out + 8 * stride + c);
    STOREW(lf_tanh(xs), out + 9 * stride + c);
    STOREW(lf_tanh_grad(lf_tanh(xs)), out + 10 * stride + c);
    STOREW(lf_relu(xs), out + 11 * stride + c);
    STOREW(lf_relu_grad(xs), out + 12 * stride + c);
    STOREW(lf_softplus(xs), out + 13 * stride + c);
    STOREW(lf_softplus_grad(xs), out + 14 * stride + c);
}
"""

/// Inputs: positive (gamma functions), signed, > -1 (log1p), signed (second argument).
func specialInputs(_ count: Int) -> [[Double]] {
    var rng = TestRNG(seed: 7)
    var xp: [Double] = [0.5, 1, 2, 1.4616321449683623, 3, 10, 1e-8, 1e-3, 0.999, 1.001, 170, 1e5]
    var xs: [Double] = [0, -0.0, 1e-10, -1e-10, 40, -40, 100, -100, 0.5, -0.5, 709, -745]
    var xl: [Double] = [0, 1e-12, -1e-12, -0.5, -0.999999, 1e-5, 3, 1e10, 0.25, -0.25, 7, 1e-300]
    var ys: [Double] = [0, 0, 1e-10, -.infinity, -.infinity, -40, 100, -100, 0.5, 3, -709, -745]
    while xp.count < count {
        xp.append(rng.logUniform(1e-4, 300))
        xs.append(rng.uniform(-30, 30))
        xl.append(rng.uniform(-0.99, 20))
        ys.append(rng.uniform(-30, 30))
    }
    return [xp, xs, xl, ys].map { Array($0.prefix(count)) }
}

extension OpenCLTests {
    @Suite struct SpecialFunctions {
        @Test func digammaReferenceMatchesScipy() {
            let scipy: [(Double, Double)] = [
                (0.01, -100.56088545786868), (0.5, -1.9635100260214235), (1.0, -0.5772156649015329),
                (1.4616321449683622, -9.241265521729427e-17), (2.5, 0.7031566406452432), (7.3, 1.917820335637986),
                (10.0, 2.251752589066721), (55.5, 4.0073469585404435), (1000.0, 6.907255195648812),
            ]
            for (x, expected) in scipy { #expect(close(Reference.digamma(x), expected, 1e-14), "ψ(\(x))") }
        }

        /// The float `lf_tanh` is a rational approximation (activations.cl); its documented bound is
        /// 3.4e-7 relative error against tanh in double, over the whole float line.
        @Test func floatTanhApproximationStaysWithinItsBound() throws {
            let env = CLTest.env
            let kernel = """
            __kernel void t_tanh(__global const real* in, __global real* out, const int stride) {
                const int c = lf_first_chain(stride);
                if (c < 0) return;
                STOREW(lf_tanh(LOADW(in + c)), out + c);
            }
            """
            let program = try env.program(files: ["activations"], extra: kernel, precision: .float, width: 8)
            var xs = (0...20000).map { -10 + Double($0) * 0.001 }
            xs += (0..<400).flatMap { k -> [Double] in let v = pow(10, -30 + Double(k) * 0.08); return [v, -v] }
            xs += [0, 7.9, 7.91, 8, 20, 1e30, -1e30, .infinity, -.infinity]
            xs = rounded(xs, .float)
            let out = try env.runColumns(Float.self, program: program, kernel: "t_tanh", width: 8, inputs: [xs], outputs: 1)[0]
            var worst = (error: 0.0, x: 0.0)
            for (x, y) in zip(xs, out) {
                let expected = tanh(x)
                let error = expected == 0 ? abs(y) : abs(y - expected) / abs(expected)
                if error > worst.error { worst = (error, x) }
            }
            #expect(worst.error <= 3.5e-7, "worst relative error \(worst.error) at x = \(worst.x)")
            #expect(out.allSatisfy { abs($0) <= 1 }, "|tanh| must not exceed 1")
        }

        /// `lf_inv_phi` against its Swift twin (itself against SciPy's `ndtri`,
        /// `NormalDistributionFunctionTests`), on the inputs rounded to each precision: double
        /// within 1e−13, float within 2e−5 (its Halley steps on float's Φ), ∓∞ at 0 and 1.
        @Test func inversePhiMatchesItsTwin() throws {
            let env = CLTest.env
            let kernel = """
            __kernel void t_inv_phi(__global const real* in, __global real* out, const int stride) {
                const int c = lf_first_chain(stride);
                if (c < 0) return;
                STOREW(lf_inv_phi(LOADW(in + c)), out + c);
            }
            """
            let grid = [1e-300, 1e-30, 1e-10, 1e-5, 0.02, 0.3, 0.5, 0.7, 0.97, 0.999, 0.9999999, 0, 1] + (1...19).map { Double($0) / 20 }
            for (precision, width) in Self.configurations {
                let program = try env.program(files: ["special"], extra: kernel, precision: precision, width: width)
                let ps = rounded(precision == .float ? grid.filter { $0 == 0 || $0 > 1e-37 } : grid, precision)
                let out = precision == .double
                    ? try env.runColumns(Double.self, program: program, kernel: "t_inv_phi", width: width, inputs: [ps], outputs: 1)[0]
                    : try env.runColumns(Float.self, program: program, kernel: "t_inv_phi", width: width, inputs: [ps], outputs: 1)[0]
                for (p, y) in zip(ps, out) {
                    let x = NormalDistributionFunction.inversePhi(p)
                    if x.isInfinite { #expect(y == x, "Φ⁻¹(\(p)) \(precision): \(y)"); continue }
                    #expect(abs(y - x) <= (precision == .double ? 1e-13 : 2e-5) * max(1, abs(x)), "Φ⁻¹(\(p)) \(precision) W=\(width): \(y) vs \(x)")
                }
            }
        }

        /// `lf_log_bessel_i0` and `lf_bessel_i1_over_i0` against their Swift twin (`BesselFunction`,
        /// itself against SciPy in `BesselFunctionTests`), lanes on both sides of the switch at 20
        /// side by side: double within 1e−13 relative, float within 1e−5.
        @Test func besselFunctionsMatchTheirTwin() throws {
            let env = CLTest.env
            let kernel = """
            __kernel void t_bessel(__global const real* in, __global real* out, const int stride) {
                const int c = lf_first_chain(stride);
                if (c < 0) return;
                const realw x = LOADW(in + c);
                STOREW(lf_log_bessel_i0(x), out + c);
                STOREW(lf_bessel_i1_over_i0(x), out + stride + c);
            }
            """
            let grid = [0, 1e-3, 0.5, 2, 7.5, 19.5, 19.99, 20, 20.01, 35, 300, 1e4, -3, -25]
            for (precision, width) in Self.configurations {
                let program = try env.program(files: ["special"], extra: kernel, precision: precision, width: width)
                let xs = rounded(grid, precision)
                let out = precision == .double
                    ? try env.runColumns(Double.self, program: program, kernel: "t_bessel", width: width, inputs: [xs], outputs: 2)
                    : try env.runColumns(Float.self, program: program, kernel: "t_bessel", width: width, inputs: [xs], outputs: 2)
                let tolerance = precision == .double ? 1e-13 : 1e-5
                for (k, x) in xs.enumerated() {
                    let (l, r) = (BesselFunction.logI0(x), BesselFunction.ratioI1I0(x))
                    #expect(abs(out[0][k] - l) <= tolerance * max(1, abs(l)), "log I0(\(x)) \(precision) W=\(width): \(out[0][k]) vs \(l)")
                    #expect(abs(out[1][k] - r) <= tolerance, "I1/I0(\(x)) \(precision) W=\(width): \(out[1][k]) vs \(r)")
                }
            }
        }

        /// `lf_pow` against Foundation's pow, with lanes whose base is zero, negative or not finite
        /// (or whose exponent is not finite) beside ordinary ones, at every width up to the
        /// widest vectors: PoCL's own pow over double8 gave 0.46^−0.2 = 0 beside 0^−0.2 and
        /// 0.46^2.5 = inf beside (−1)^2.5. Double within 1e−14 relative, float within 1e−6.
        @Test func powIsRightBesideLanesItTreatsApart() throws {
            let env = CLTest.env
            let kernel = """
            __kernel void t_pow(__global const real* in, __global real* out, const int stride) {
                const int c = lf_first_chain(stride);
                if (c < 0) return;
                STOREW(lf_pow(LOADW(in + c), LOADW(in + stride + c)), out + c);
            }
            """
            let pairs: [(Double, Double)] = [(0.464804, -0.2), (0, -0.2), (0.464804, 2.5), (-1, 2.5), (3, 0.5), (-2, 3), (.infinity, 1),
                                             (2, .nan), (0.25, -1.5), (0, 2), (7, .infinity), (1e3, 1.7), (-0.5, -2), (.nan, 0), (5, -3), (0.9, 40)]
            for (precision, width) in [(Precision.double, 1), (.double, 4), (.double, 8), (.float, 8), (.float, 16)] {
                let program = try env.program(files: ["special"], extra: kernel, precision: precision, width: width)
                let (x, y) = (rounded(pairs.map(\.0), precision), rounded(pairs.map(\.1), precision))
                let out = precision == .double
                    ? try env.runColumns(Double.self, program: program, kernel: "t_pow", width: width, inputs: [x, y], outputs: 1)[0]
                    : try env.runColumns(Float.self, program: program, kernel: "t_pow", width: width, inputs: [x, y], outputs: 1)[0]
                for k in pairs.indices {
                    let want = precision == .double ? Foundation.pow(x[k], y[k]) : Double(Foundation.powf(Float(x[k]), Float(y[k])))
                    let tolerance = (precision == .double ? 1e-14 : 1e-6) * abs(want)
                    #expect(out[k] == want || out[k].isNaN && want.isNaN || abs(out[k] - want) <= tolerance,
                            "\(x[k])^\(y[k]) \(precision) W=\(width): \(out[k]) vs \(want)")
                }
            }
        }

        /// The built-in functions the generated kernels call, at the widest vectors, with lanes at
        /// values where they take special paths (0, negative, infinite, NaN, huge) beside ordinary
        /// ones: each lane as Foundation's function of that lane alone (the kind of fault PoCL's
        /// pow over double8 had, `powIsRightBesideLanesItTreatsApart`).
        @Test func builtinsAreRightBesideSpecialLanes() throws {
            let env = CLTest.env
            let names = ["exp", "log", "sqrt", "log1p", "expm1", "sin", "cos", "atan", "tanh", "lgamma"]
            let kernel = """
            __kernel void t_builtins(__global const real* in, __global real* out, const int stride) {
                const int c = lf_first_chain(stride);
                if (c < 0) return;
                const realw x = LOADW(in + c);
            \(names.enumerated().map { "    STOREW(\($1)(x), out + \($0) * stride + c);" }.joined(separator: "\n"))
            }
            """
            let reference: [(Double) -> Double] = [Foundation.exp, Foundation.log, { $0.squareRoot() }, Foundation.log1p, Foundation.expm1,
                                                   Foundation.sin, Foundation.cos, Foundation.atan, Foundation.tanh, Foundation.lgamma]
            let xs: [Double] = [0.46, 0, 0.46, -1, 2.5, .infinity, 0.46, .nan, 3, -.infinity, 1e300, 0.46, -0.5, 800, -800, 0.46]
            for (precision, width) in [(Precision.double, 8), (.float, 16)] {
                let program = try env.program(files: [], extra: kernel, precision: precision, width: width)
                let x = rounded(xs, precision)
                let out = precision == .double
                    ? try env.runColumns(Double.self, program: program, kernel: "t_builtins", width: width, inputs: [x], outputs: names.count)
                    : try env.runColumns(Float.self, program: program, kernel: "t_builtins", width: width, inputs: [x], outputs: names.count)
                for (f, name) in names.enumerated() {
                    for k in x.indices {
                        let want = precision == .double ? reference[f](x[k]) : Double(Float(reference[f](x[k])))
                        let got = out[f][k]
                        let tolerance = (precision == .double ? 1e-13 : 1e-5) * abs(want)
                        #expect(got == want || got.isNaN && want.isNaN || abs(got - want) <= tolerance,
                                "\(name)(\(x[k])) \(precision) W=\(width): \(got) vs \(want)")
                    }
                }
            }
        }

        /// `lf_log_gamma_pq` against its Swift twin (itself against mpmath, `GammaFunctionTests`):
        /// log P, log Q and their derivatives in a and x, with lanes on both sides of the
        /// series/fraction split side by side (each lane runs its own side), x = 0 and a ≤ 0.
        /// Double within 1e−12 relative beyond the exponent's rounding; float within 1e−4 beyond
        /// float's rounding of the exponent a log x − x − log Γ(a).
        @Test func incompleteGammaMatchesItsTwin() throws {
            let env = CLTest.env
            let kernel = """
            __kernel void t_gamma(__global const real* in, __global real* out, const int stride) {
                const int c = lf_first_chain(stride);
                if (c < 0) return;
                const realw a = LOADW(in + c), x = LOADW(in + stride + c);
                realw da, dx;
                STOREW(lf_log_gamma_pq(a, x, 0, &da, &dx), out + c);
                STOREW(da, out + stride + c);
                STOREW(dx, out + 2 * stride + c);
                STOREW(lf_log_gamma_pq(a, x, 1, &da, &dx), out + 3 * stride + c);
                STOREW(da, out + 4 * stride + c);
                STOREW(dx, out + 5 * stride + c);
            }
            """
            let pairs: [(Double, Double)] = [(0.5, 0.1), (0.5, 3), (1, 1), (2.5, 0.7), (2.5, 3.5), (3, 40), (7, 1e-3), (0.05, 2), (30, 25),
                                             (30, 45), (200, 180), (200, 240), (4, 120), (60, 5), (2, 0), (0.5, 0), (-1, 2), (3.3, 4.3)]
            for (precision, width) in Self.configurations {
                let program = try env.program(files: ["special"], extra: kernel, precision: precision, width: width)
                let (a, x) = (rounded(pairs.map(\.0), precision), rounded(pairs.map(\.1), precision))
                let out = precision == .double
                    ? try env.runColumns(Double.self, program: program, kernel: "t_gamma", width: width, inputs: [a, x], outputs: 6)
                    : try env.runColumns(Float.self, program: program, kernel: "t_gamma", width: width, inputs: [a, x], outputs: 6)
                for i in pairs.indices {
                    let twin = [false, true].flatMap { q -> [Double] in
                        let d = GammaFunction.logRegularized(a[i], x[i], complement: q)
                        return [d.value, d.da, d.dx]
                    }
                    let scale = a[i] * abs(log(x[i])) + x[i] + abs(lgamma(a[i]))
                    for k in 0..<6 {
                        let (got, want) = (out[k][i], twin[k])
                        if !want.isFinite { #expect(got == want || (got.isNaN && want.isNaN), "(\(a[i]), \(x[i])) column \(k) \(precision): \(got) vs \(want)"); continue }
                        let tolerance = precision == .double ? (1e-12 + 1e-15 * scale) * max(abs(want), 1e-300) : 1e-4 * max(1, abs(want)) + 3e-7 * scale * max(1, abs(want))
                        #expect(abs(got - want) <= tolerance, "(\(a[i]), \(x[i])) column \(k) \(precision) W=\(width): \(got) vs \(want)")
                    }
                }
            }
        }

        /// `lf_log_inc_beta` against its Swift twin (itself against mpmath, `BetaFunctionTests`):
        /// log I, log(1 − I) and their derivatives in a, b and x, lanes on both sides of the split
        /// side by side, the edges x = 0 and 1 and a shape ≤ 0. Tolerances as the gamma's.
        @Test func incompleteBetaMatchesItsTwin() throws {
            let env = CLTest.env
            let kernel = """
            __kernel void t_beta(__global const real* in, __global real* out, const int stride) {
                const int c = lf_first_chain(stride);
                if (c < 0) return;
                const realw a = LOADW(in + c), b = LOADW(in + stride + c), x = LOADW(in + 2 * stride + c);
                realw da, db, dx;
                for (int complement = 0; complement < 2; ++complement) {
                    STOREW(lf_log_inc_beta(a, b, x, complement, &da, &db, &dx), out + (4 * complement) * stride + c);
                    STOREW(da, out + (4 * complement + 1) * stride + c);
                    STOREW(db, out + (4 * complement + 2) * stride + c);
                    STOREW(dx, out + (4 * complement + 3) * stride + c);
                }
            }
            """
            let triples: [(Double, Double, Double)] = [(2, 3, 0.2), (2, 3, 0.7), (0.5, 0.5, 0.01), (0.5, 0.5, 0.999), (1.5, 0.5, 0.9),
                                                       (30, 40, 0.3), (30, 40, 0.55), (200, 5, 0.8), (0.1, 8, 0.5), (5, 1, 0.3),
                                                       (3, 11, 0.95), (2, 3, 0), (2, 3, 1), (-1, 3, 0.5), (1.75, 0.5, 0.6)]
            for (precision, width) in Self.configurations {
                let program = try env.program(files: ["special"], extra: kernel, precision: precision, width: width)
                let columns = [triples.map(\.0), triples.map(\.1), triples.map(\.2)].map { rounded($0, precision) }
                let out = precision == .double
                    ? try env.runColumns(Double.self, program: program, kernel: "t_beta", width: width, inputs: columns, outputs: 8)
                    : try env.runColumns(Float.self, program: program, kernel: "t_beta", width: width, inputs: columns, outputs: 8)
                for i in triples.indices {
                    let (a, b, x) = (columns[0][i], columns[1][i], columns[2][i])
                    let twin = [false, true].flatMap { q -> [Double] in
                        let d = BetaFunction.logRegularized(a, b, x, complement: q)
                        return [d.value, d.da, d.db, d.dx]
                    }
                    let scale = a * abs(log(x)) + b * abs(log1p(-x)) + abs(lgamma(a)) + abs(lgamma(b)) + abs(lgamma(a + b))
                    for k in 0..<8 {
                        let (got, want) = (out[k][i], twin[k])
                        if !want.isFinite || !scale.isFinite {
                            #expect(got == want || (got.isNaN && want.isNaN) || !scale.isFinite && want == 0, "(\(a), \(b), \(x)) column \(k) \(precision): \(got) vs \(want)")
                            continue
                        }
                        let tolerance = precision == .double ? (1e-11 + 1e-15 * scale) * max(abs(want), 1e-300) : 1e-4 * max(1, abs(want)) + 3e-7 * scale * max(1, abs(want))
                        #expect(abs(got - want) <= tolerance, "(\(a), \(b), \(x)) column \(k) \(precision) W=\(width): \(got) vs \(want)")
                    }
                }
            }
        }

        static let configurations: [(Precision, Int)] = [(.double, 1), (.double, 4), (.float, 1), (.float, 8)]

        @Test(arguments: [7, 1000])
        func kernelsMatchDoubleReferences(chains: Int) throws {
            let env = CLTest.env
            for (precision, width) in Self.configurations {
                let program = try env.program(files: ["special", "activations"], extra: specialKernel,
                                              precision: precision, width: width)
                let inputs = specialInputs(chains).map { rounded($0, precision) }
                let out = precision == .double
                    ? try env.runColumns(Double.self, program: program, kernel: "t_special", width: width,
                                         inputs: inputs, outputs: specialColumns.count)
                    : try env.runColumns(Float.self, program: program, kernel: "t_special", width: width,
                                         inputs: inputs, outputs: specialColumns.count)
                for (k, (name, floor, reference)) in specialColumns.enumerated() {
                    var expected = (0..<chains).map { reference(inputs[0][$0], inputs[1][$0], inputs[2][$0], inputs[3][$0]) }
                    var actual = out[k]
                    if precision == .float {
                        // Values beyond Float's range are not comparable; float results are rounded.
                        let keep = expected.indices.filter { abs(expected[$0]) < 1e37 && (abs(expected[$0]) > 1e-30 || expected[$0] == 0) }
                        expected = keep.map { expected[$0] }
                        actual = keep.map { actual[$0] }
                    }
                    expectClose(actual, expected, tolerance: tolerance(precision), floor: precision == .float ? 1 : floor,
                                "\(name) \(precision) W=\(width)",
                                inputs: { i in "xp=\(inputs[0][i]) xs=\(inputs[1][i]) xl=\(inputs[2][i]) ys=\(inputs[3][i])" })
                }
            }
        }
    }
}
