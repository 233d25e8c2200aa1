// activations.cl — neural-network activations and their derivatives over realw (W chains at once).
// Needs special.cl. No memory is touched: these are functions for generated kernels.
//
//   lf_tanh(x)                 tanh x (float: a rational approximation, see below)
//   lf_tanh_grad(t)            d tanh / dx given the output t = tanh x: 1 - t²
//   lf_relu(x), lf_relu_grad(x)      max(x, 0) and its derivative (0 at x = 0)
//   lf_softplus(x), lf_softplus_grad(x)   log(1 + e^x) and its derivative inv_logit(x)

#if REAL_DOUBLE
inline realw lf_tanh(const realw x) { return tanh(x); }
#else
// tanh in float as x·P(x²)/Q(x²), P and Q of degree 4, on x clamped to ±7.9053111 (beyond it tanh
// rounds to ±1 in float). Maximum relative error 3.4e-7 (about 6 ulp near ±1, measured on 2e6
// points of [-10, 10] and 1e4 log-spaced points down to 1e-30, against tanh in double). The
// coefficients were fitted for Leapfrog (linearised least squares on relative error, Loeb's
// iteration, on Chebyshev nodes of [0, 7.9]). PoCL's own float tanh cost about 60 % of a BNN
// gradient; this is 10 multiply-adds and one division, all in vector lanes.
#define LF_TANH_CLAMP 7.90531110763549805
inline realw lf_tanh(const realw x0) {
    const realw x = clamp(x0, SPLAT(-LF_TANH_CLAMP), SPLAT(LF_TANH_CLAMP));
    const realw t = x * x;
    realw p = SPLAT(1.5417961784790217e-08);
    p = fma(p, t, SPLAT(2.2016785123419217e-05));
    p = fma(p, t, SPLAT(0.0035786223312528442));
    p = fma(p, t, SPLAT(0.1345031490879763));
    p = fma(p, t, SPLAT(0.9999999943285982));
    realw q = SPLAT(8.594930275032634e-07);
    q = fma(q, t, SPLAT(0.0003423031449560913));
    q = fma(q, t, SPLAT(0.026190849706717617));
    q = fma(q, t, SPLAT(0.46783642881629595));
    q = fma(q, t, SPLAT(1.0));
    return x * p / q;
}
#endif

inline realw lf_tanh_grad(const realw t) { return 1.0 - t * t; }

inline realw lf_relu(const realw x) { return fmax(x, SPLAT(0.0)); }

inline realw lf_relu_grad(const realw x) { return (x > 0.0) ? SPLAT(1.0) : SPLAT(0.0); }

inline realw lf_softplus(const realw x) { return lf_log1p_exp(x); }

inline realw lf_softplus_grad(const realw x) { return lf_inv_logit(x); }
