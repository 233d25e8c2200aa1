// special.cl — special functions over realw (W chains at once), written to stay accurate in
// double and float and to vectorise (no data-dependent branches: every lane runs the same code,
// choices are made with the vector ternary, i.e. select()).
//
//   lf_lgamma(x)            log Γ(x) for x > 0 (recurrence up to 10, then Stirling's series);
//                           x <= 0 falls back to the built-in lgamma.
//   lf_digamma(x)           ψ(x) = d/dx log Γ(x) for x > 0 (recurrence up to 10, asymptotic series).
//   lf_log1p(x), lf_expm1(x)   log(1 + x), exp(x) - 1 (the accurate built-ins, named for the generator).
//   lf_log1p_exp(x)         log(1 + e^x) without overflow (softplus).
//   lf_inv_logit(x)         1 / (1 + e^-x) without overflow.
//   lf_log_inv_logit(x)     log(inv_logit(x)) = -log1p_exp(-x).
//   lf_log1m_inv_logit(x)   log(1 - inv_logit(x)) = -log1p_exp(x).
//   lf_log_sum_exp(a, b)    log(e^a + e^b); -inf when both are -inf, +inf when either is +inf.
//   lf_phi(x), lf_normal_density(x)   Φ(x) = ½ erfc(-x/√2) and φ(x) = e^(-x²/2)/√(2π).
//   lf_log_phi(x)           log Φ(x), the asymptotic series below LF_LOG_PHI_TAIL (A&S 26.2.12).
//   lf_inverse_mills(x, l)  φ(x)/Φ(x) given l = log Φ(x): d log Φ / dx.
//   lf_inv_phi(p)           Φ⁻¹(p): A&S 26.2.23 and three Halley steps.
//   lf_log1m_exp(u)         log(1 - e^u), u <= 0 (Mächler's split at -log 2).
//   lf_log_bessel_i0(x), lf_bessel_i1_over_i0(x)
//                           log I₀(x) and I₁(x)/I₀(x), the modified Bessel functions of the first
//                           kind: the power series below 20, Hankel's expansion above
//                           (BesselFunction's twin).
//   lf_log_gamma_pq(a, x, complement, &da, &dx)
//                           log P(a, x) (complement 0) or log Q(a, x) (1), the regularised
//                           incomplete gamma functions, with d/da and d/dx: the series below
//                           x = a + 1, the continued fraction (modified Lentz) above, each
//                           differentiated alongside (GammaFunction.logRegularized's twin).
//   lf_log_inc_beta(a, b, x, complement, &da, &db, &dx)
//                           log I_x(a, b) (complement 0) or log(1 - I_x(a, b)) (1), the regularised
//                           incomplete beta function, with its derivatives: the continued fraction
//                           on (a, b, x) below x = (a + 1)/(a + b + 2), on (b, a, 1 - x) above,
//                           differentiated alongside (BetaFunction.logRegularized's twin).
//
//   lf_pow(x, y)            x^y, the built-in pow kept away from lanes it gets wrong (below).
//
// No memory is touched: these are functions for other kernels to call.

// x^y. PoCL's pow over double8 (AVX-512; PoCL 5) returns wrong values in the other lanes when
// one lane's base is zero, negative or not finite, or its exponent not finite: 0.46^-0.2 read 0
// beside a lane's 0^-0.2 = inf, (-1)^2.5 = NaN in one lane turned 0.46^2.5 into inf in another
// (found by an ODE solve's step-size controller, whose lanes that wait have a zero error). Such
// lanes are computed one at a time, the vector call seeing 1^1 there.
inline realw lf_pow(const realw x, const realw y) {
#if W == 1
    return pow(x, y);
#else
    const maskw plain = isfinite(x) & isfinite(y) & (x > 0.0);
    realw r = pow(LF_SELECT(SPLAT(1.0), x, plain), LF_SELECT(SPLAT(1.0), y, plain));
    if (any(plain == 0)) {
        for (int l = 0; l < W; ++l) {
            const real xl = ((const real*)&x)[l], yl = ((const real*)&y)[l];
            if (!(isfinite(xl) && isfinite(yl) && xl > 0.0)) ((real*)&r)[l] = pow(xl, yl);
        }
    }
    return r;
#endif
}

#define LF_GAMMA_SHIFT 10

inline realw lf_lgamma(const realw x) {
    // Shift z = x + k to z >= 10, collecting the product x (x+1) ... (x+k-1).
    realw z = x;
    realw product = SPLAT(1.0);
    for (int k = 0; k < LF_GAMMA_SHIFT; ++k) {
        const realw small = (z < LF_GAMMA_SHIFT) ? z : SPLAT(1.0);
        product *= small;
        z = (z < LF_GAMMA_SHIFT) ? z + 1.0 : z;
    }
    // Stirling's series: (z - 1/2) log z - z + log √(2π) + Σ B_2k / (2k (2k-1) z^(2k-1)).
    const realw r = 1.0 / z;
    const realw r2 = r * r;
    const realw series = r * (0.083333333333333333333 + r2 * (-0.0027777777777777777778
        + r2 * (0.00079365079365079365079 + r2 * (-0.00059523809523809523810
        + r2 * (0.00084175084175084175084 + r2 * (-0.0019175269175269175269
        + r2 * 0.0064102564102564102564))))));
    const realw stirling = (z - 0.5) * log(z) - z + LF_LOG_SQRT_TWO_PI + series;
    const realw result = stirling - log(product);
    return (x > 0.0) ? result : lgamma(x);
}

inline realw lf_digamma(const realw x) {
    realw z = x;
    realw shift = SPLAT(0.0);
    for (int k = 0; k < LF_GAMMA_SHIFT; ++k) {
        shift -= (z < LF_GAMMA_SHIFT) ? 1.0 / z : SPLAT(0.0);
        z = (z < LF_GAMMA_SHIFT) ? z + 1.0 : z;
    }
    // ψ(z) = log z - 1/(2z) - Σ B_2k / (2k z^2k).
    const realw r = 1.0 / z;
    const realw r2 = r * r;
    const realw series = r2 * (0.083333333333333333333 + r2 * (-0.0083333333333333333333
        + r2 * (0.0039682539682539682540 + r2 * (-0.0041666666666666666667
        + r2 * (0.0075757575757575757576 + r2 * (-0.021092796092796092796
        + r2 * 0.083333333333333333333))))));
    const realw result = log(z) - 0.5 * r - series + shift;
    return (x > 0.0) ? result : SPLAT(NAN);
}

inline realw lf_log1p(const realw x) { return log1p(x); }

inline realw lf_expm1(const realw x) { return expm1(x); }

inline realw lf_log1p_exp(const realw x) {
    return fmax(x, SPLAT(0.0)) + log1p(exp(-fabs(x)));
}

inline realw lf_inv_logit(const realw x) {
    const realw e = exp(-fabs(x));
    const realw denominator = 1.0 + e;
    return (x >= 0.0) ? 1.0 / denominator : e / denominator;
}

inline realw lf_log_inv_logit(const realw x) {
    return fmin(x, SPLAT(0.0)) - log1p(exp(-fabs(x)));
}

inline realw lf_log1m_inv_logit(const realw x) {
    return -lf_log1p_exp(x);
}

inline realw lf_log_sum_exp(const realw a, const realw b) {
    const realw m = fmax(a, b);
    const realw result = m + log1p(exp(-fabs(a - b)));
    return isinf(m) ? m : result;
}

inline realw lf_phi(const realw x) { return 0.5 * erfc(-x * 0.70710678118654752440); }

inline realw lf_normal_density(const realw x) { return exp(-0.5 * x * x - LF_LOG_SQRT_TWO_PI); }

// Below this, log Φ(x) is the series: in double from -20 (where the series' first omitted term,
// 945/x^10, is below 1e-10; NormalDistributionFunction.logPhiTail), in float from -9 (½ erfc(-x/√2)
// underflows near -13; the omitted term, 3e-7, is below float's rounding of log Φ there).
#if REAL_DOUBLE
#define LF_LOG_PHI_TAIL -20.0
#else
#define LF_LOG_PHI_TAIL -9.0
#endif

inline realw lf_log_phi(const realw x) {
    // Both branches run (no data-dependent branch); the tail's x is kept below the threshold
    // so that its logarithms stay finite where the other branch is taken.
    const realw t = fmin(x, SPLAT(LF_LOG_PHI_TAIL));
    const realw r = 1.0 / (t * t);
    const realw tail = -0.5 * t * t - log(-t) - LF_LOG_SQRT_TWO_PI + log1p(r * (-1.0 + r * (3.0 + r * (-15.0 + r * 105.0))));
    const realw body = log(lf_phi(fmax(x, SPLAT(LF_LOG_PHI_TAIL))));
    return (x < LF_LOG_PHI_TAIL) ? tail : body;
}

// Φ⁻¹(p): A&S 26.2.23 on the lower half, q = min(p, 1 - p), then three Halley steps on Φ(x) - q;
// the sign of p - 1/2. -inf/+inf at p = 0/1. NormalDistributionFunction.inversePhi is its twin.
inline realw lf_inv_phi(const realw p) {
    const realw q = fmin(p, 1.0 - p);
    const realw t = sqrt(-2.0 * log(q));
    realw x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
    for (int k = 0; k < 3; k++) {
        const realw u = (lf_phi(x) - q) * exp(0.5 * x * x + LF_LOG_SQRT_TWO_PI);
        x -= u / (1.0 + 0.5 * x * u);
    }
    x = (q > 0.0) ? x : SPLAT(-INFINITY);
    return (p > 0.5) ? -x : x;
}

inline realw lf_inverse_mills(const realw x, const realw log_phi) {
    return exp(-0.5 * x * x - LF_LOG_SQRT_TWO_PI - log_phi);
}

inline realw lf_log1m_exp(const realw u) {
    return (u > -0.69314718055994531) ? log(-expm1(u)) : log1p(-exp(u));
}

// log I₀(x): Σₖ (x²/4)ᵏ/(k!)² on min(|x|, 20), eˣ/√(2πx) Σₖ aₖ/xᵏ on max(|x|, 20) (each lane
// computes both on its side of the switch, so that neither overflows), 60 and 20 terms as
// BesselFunction.logI0.
#define LF_BESSEL_SWITCH 20.0
inline realw lf_log_bessel_i0(const realw x) {
    const realw ax = fabs(x);
    const realw s = fmin(ax, SPLAT(LF_BESSEL_SWITCH));
    const realw q = 0.25 * s * s;
    realw term = SPLAT(1.0), sum = SPLAT(1.0);
    for (int k = 1; k <= 60; ++k) { term *= q / (real)(k * k); sum += term; }
    const realw t = fmax(ax, SPLAT(LF_BESSEL_SWITCH));
    realw a = SPLAT(1.0), asum = SPLAT(1.0);
    for (int k = 1; k <= 20; ++k) { a *= (real)((2 * k - 1) * (2 * k - 1)) / (8.0 * (real)k * t); asum += a; }
    const realw asymptotic = t - 0.5 * log(LF_TWO_PI * t) + log(asum);
    return (ax < LF_BESSEL_SWITCH) ? log(sum) : asymptotic;
}

// I₁(x)/I₀(x) = d/dx log I₀(x), odd in x: the two series' ratio (BesselFunction.ratioI1I0).
inline realw lf_bessel_i1_over_i0(const realw x) {
    const realw ax = fabs(x);
    const realw s = fmin(ax, SPLAT(LF_BESSEL_SWITCH));
    const realw q = 0.25 * s * s;
    realw t0 = SPLAT(1.0), s0 = SPLAT(1.0), t1 = SPLAT(1.0), s1 = SPLAT(1.0);
    for (int k = 1; k <= 60; ++k) { t0 *= q / (real)(k * k); t1 *= q / (real)(k * (k + 1)); s0 += t0; s1 += t1; }
    const realw t = fmax(ax, SPLAT(LF_BESSEL_SWITCH));
    realw a = SPLAT(1.0), as0 = SPLAT(1.0), b = SPLAT(1.0), as1 = SPLAT(1.0);
    for (int k = 1; k <= 20; ++k) {
        const real odd = (real)((2 * k - 1) * (2 * k - 1));
        a *= odd / (8.0 * (real)k * t);
        b *= (odd - 4.0) / (8.0 * (real)k * t);
        as0 += a;
        as1 += b;
    }
    const realw ratio = (ax < LF_BESSEL_SWITCH) ? 0.5 * s * s1 / s0 : as1 / as0;
    return (x < 0.0) ? -ratio : ratio;
}

#if REAL_DOUBLE
#define LF_GAMMA_EPS 2.220446049250313e-16
#define LF_GAMMA_TINY 1e-300
#else
#define LF_GAMMA_EPS 1.1920929e-7
#define LF_GAMMA_TINY 1e-30
#endif
#define LF_GAMMA_MAX_TERMS 100000

inline realw lf_log_gamma_pq(const realw a, const realw x, const int complement, realw* d_a, realw* d_x) {
    // Each lane runs the side of x = a + 1 it needs; the other side runs on a point that ends at
    // once (a = 1 with x = 0.5 for the series, x = 2 for the fraction), its result discarded.
    const maskw series_side = x < a + 1.0;
    const realw as = series_side ? a : SPLAT(1.0);
    const realw xs = series_side ? x : SPLAT(0.5);
    realw term = SPLAT(1.0), dterm = SPLAT(0.0), sum = SPLAT(1.0), dsum = SPLAT(0.0);
    for (int n = 1; n < LF_GAMMA_MAX_TERMS; ++n) {
        const realw an = as + (real)n;
        const realw r = xs / an;
        dterm = r * (dterm - term / an);
        term *= r;
        sum += term;
        dsum += dterm;
        // Until the derivative's sum has converged too (it lags the value's).
        if (!LF_ANY(term >= sum * LF_GAMMA_EPS || fabs(dterm) > (fabs(dsum) + sum) * LF_GAMMA_EPS)) break;
    }
    const realw ac = series_side ? SPLAT(1.0) : a;
    const realw xc = series_side ? SPLAT(2.0) : x;
    realw b = xc + 1.0 - ac;
    realw f = b, dlogf = -1.0 / b, c = b, dc = SPLAT(-1.0), d = SPLAT(0.0), dd = SPLAT(0.0);
    for (int n = 2; n < LF_GAMMA_MAX_TERMS; ++n) {
        const realw m = SPLAT((real)(n - 1));
        const realw an = -m * (m - ac);
        b += 2.0;
        realw draw = b + an * d;
        const realw ddraw = -1.0 + m * d + an * dd;
        draw = (fabs(draw) < LF_GAMMA_TINY) ? SPLAT(LF_GAMMA_TINY) : draw;
        d = 1.0 / draw;
        dd = -ddraw * d * d;
        const realw cprev = c;
        c = b + an / cprev;
        dc = -1.0 + m / cprev - an * dc / (cprev * cprev);
        c = (fabs(c) < LF_GAMMA_TINY) ? SPLAT(LF_GAMMA_TINY) : c;
        const realw delta = c * d;
        f *= delta;
        const realw dlog_delta = dc / c + dd / d;
        dlogf += dlog_delta;
        if (!LF_ANY(fabs(delta - 1.0) >= LF_GAMMA_EPS || fabs(dlog_delta) > fmax(fabs(dlogf), 1.0) * LF_GAMMA_EPS)) break;
    }
    const realw log_x = log(x);
    const realw lp_series = a * log_x - x - lf_lgamma(a + 1.0) + log(sum);
    const realw dlp_series = log_x - lf_digamma(a + 1.0) + dsum / sum;
    const realw lq_fraction = a * log_x - x - lf_lgamma(a) - log(f);
    const realw dlq_fraction = log_x - lf_digamma(a) - dlogf;
    const realw lp = series_side ? lp_series : lf_log1m_exp(lq_fraction);
    const realw lq = series_side ? lf_log1m_exp(lp_series) : lq_fraction;
    const realw dlp = series_side ? dlp_series : -exp(lq - lp) * dlq_fraction;
    const realw dlq = series_side ? -exp(lp - lq) * dlp_series : dlq_fraction;
    const realw log_density = (a - 1.0) * log_x - x - lf_lgamma(a);
    realw value = complement ? lq : lp;
    realw da = complement ? dlq : dlp;
    realw dx = complement ? -exp(log_density - lq) : exp(log_density - lp);
    // x = 0: P = 0, Q = 1; x = ∞: P = 1, Q = 0; outside a > 0, x ≥ 0: NaN.
    const maskw at_zero = x == 0.0;
    value = at_zero ? SPLAT(complement ? 0.0 : -INFINITY) : value;
    da = at_zero ? SPLAT(0.0) : da;
    const realw dx_zero_q = (a == 1.0) ? SPLAT(-1.0) : ((a < 1.0) ? SPLAT(-INFINITY) : SPLAT(0.0));
    dx = at_zero ? (complement ? dx_zero_q : SPLAT(INFINITY)) : dx;
    const maskw at_infinity = isinf(x) && x > 0.0;
    value = at_infinity ? SPLAT(complement ? -INFINITY : 0.0) : value;
    da = at_infinity ? SPLAT(0.0) : da;
    dx = at_infinity ? SPLAT(0.0) : dx;
    const maskw invalid = !(a > 0.0) || !(x >= 0.0) || isinf(a);
    value = invalid ? SPLAT(NAN) : value;
    *d_a = invalid ? SPLAT(NAN) : da;
    *d_x = invalid ? SPLAT(NAN) : dx;
    return value;
}

inline realw lf_log_inc_beta(const realw a0, const realw b0, const realw x0, const int complement,
                             realw* d_a, realw* d_b, realw* d_x) {
    // Each lane runs the fraction on its own side: (a, b, x) below the split, (b, a, 1 - x) above.
    const maskw direct = x0 < (a0 + 1.0) / (a0 + b0 + 2.0);
    const realw a = direct ? a0 : b0;
    const realw b = direct ? b0 : a0;
    const realw x = direct ? x0 : 1.0 - x0;
    realw draw = 1.0 - (a + b) * x / (a + 1.0);
    realw draw_a = -x * (1.0 - b) / ((a + 1.0) * (a + 1.0)), draw_b = -x / (a + 1.0);
    draw = (fabs(draw) < LF_GAMMA_TINY) ? SPLAT(LF_GAMMA_TINY) : draw;
    realw d = 1.0 / draw;
    realw d_da = -draw_a * d * d, d_db = -draw_b * d * d;
    realw c = SPLAT(1.0), c_da = SPLAT(0.0), c_db = SPLAT(0.0);
    realw log_h = log(d), log_h_a = d_da / d, log_h_b = d_db / d;
    for (int n = 1; n < LF_GAMMA_MAX_TERMS; ++n) {
        const realw m = SPLAT((real)n);
        maskw going = (maskw)(0);
        for (int odd = 0; odd < 2; ++odd) {
            realw coefficient, coefficient_a, coefficient_b;
            if (odd) {
                coefficient = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
                coefficient_a = coefficient * (1.0 / (a + m) + 1.0 / (a + b + m) - 1.0 / (a + 2.0 * m) - 1.0 / (a + 2.0 * m + 1.0));
                coefficient_b = coefficient / (a + b + m);
            } else {
                coefficient = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
                coefficient_a = -coefficient * (1.0 / (a + 2.0 * m - 1.0) + 1.0 / (a + 2.0 * m));
                coefficient_b = m * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
            }
            draw = 1.0 + coefficient * d;
            draw_a = coefficient_a * d + coefficient * d_da;
            draw_b = coefficient_b * d + coefficient * d_db;
            draw = (fabs(draw) < LF_GAMMA_TINY) ? SPLAT(LF_GAMMA_TINY) : draw;
            d = 1.0 / draw;
            d_da = -draw_a * d * d;
            d_db = -draw_b * d * d;
            const realw c_previous = c;
            c = 1.0 + coefficient / c_previous;
            c_da = coefficient_a / c_previous - coefficient * c_da / (c_previous * c_previous);
            c_db = coefficient_b / c_previous - coefficient * c_db / (c_previous * c_previous);
            c = (fabs(c) < LF_GAMMA_TINY) ? SPLAT(LF_GAMMA_TINY) : c;
            const realw delta = c * d;
            log_h += log(delta);
            const realw step_a = d_da / d + c_da / c, step_b = d_db / d + c_db / c;
            log_h_a += step_a;
            log_h_b += step_b;
            if (odd) going = fabs(delta - 1.0) >= LF_GAMMA_EPS || fabs(step_a) > fmax(fabs(log_h_a), 1.0) * LF_GAMMA_EPS
                || fabs(step_b) > fmax(fabs(log_h_b), 1.0) * LF_GAMMA_EPS;
        }
        if (!LF_ANY(going)) break;
    }
    const realw log_beta = lf_lgamma(a) + lf_lgamma(b) - lf_lgamma(a + b);
    const realw psi_ab = lf_digamma(a + b);
    // The fraction's log I on its side, and its derivatives in that side's (a, b).
    const realw log_f = a * log(x) + b * log1p(-x) - log_beta - log(a) + log_h;
    const realw log_f_a = log(x) - (lf_digamma(a) - psi_ab) - 1.0 / a + log_h_a;
    const realw log_f_b = log1p(-x) - (lf_digamma(b) - psi_ab) + log_h_b;
    const realw log_other = lf_log1m_exp(log_f);
    const realw ratio = -exp(log_f - log_other);
    // log I and log(1 - I) of the original (a0, b0, x0), with their derivatives in (a0, b0).
    const realw log_i = direct ? log_f : log_other;
    const realw log_c = direct ? log_other : log_f;
    const realw log_i_a = direct ? log_f_a : ratio * log_f_b;
    const realw log_i_b = direct ? log_f_b : ratio * log_f_a;
    const realw log_c_a = direct ? ratio * log_f_a : log_f_b;
    const realw log_c_b = direct ? ratio * log_f_b : log_f_a;
    const realw log_density = (a0 - 1.0) * log(x0) + (b0 - 1.0) * log1p(-x0) - log_beta;
    realw value = complement ? log_c : log_i;
    realw da = complement ? log_c_a : log_i_a;
    realw db = complement ? log_c_b : log_i_b;
    realw dx = complement ? -exp(log_density - log_c) : exp(log_density - log_i);
    // x = 0: I = 0; x = 1: I = 1; outside a, b > 0, 0 <= x <= 1: NaN.
    const maskw edge = x0 == 0.0 || x0 == 1.0;
    const maskw vanishes = complement ? (x0 == 1.0) : (x0 == 0.0);
    value = edge ? (vanishes ? SPLAT(-INFINITY) : SPLAT(0.0)) : value;
    da = edge ? SPLAT(0.0) : da;
    db = edge ? SPLAT(0.0) : db;
    dx = edge ? (vanishes ? SPLAT(complement ? -INFINITY : INFINITY) : SPLAT(0.0)) : dx;
    const maskw invalid = !(a0 > 0.0) || !(b0 > 0.0) || isinf(a0) || isinf(b0) || !(x0 >= 0.0) || !(x0 <= 1.0);
    value = invalid ? SPLAT(NAN) : value;
    *d_a = invalid ? SPLAT(NAN) : da;
    *d_b = invalid ? SPLAT(NAN) : db;
    *d_x = invalid ? SPLAT(NAN) : dx;
    return value;
}

