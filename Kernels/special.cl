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
//
// No memory is touched: these are functions for other kernels to call.

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

