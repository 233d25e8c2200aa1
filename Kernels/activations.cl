// activations.cl — neural-network activations and their derivatives over realw (W chains at once).
// Needs special.cl. No memory is touched: these are functions for generated kernels.
//
//   lf_tanh(x)                 tanh x
//   lf_tanh_grad(t)            d tanh / dx given the output t = tanh x: 1 - t²
//   lf_relu(x), lf_relu_grad(x)      max(x, 0) and its derivative (0 at x = 0)
//   lf_softplus(x), lf_softplus_grad(x)   log(1 + e^x) and its derivative inv_logit(x)

inline realw lf_tanh(const realw x) { return tanh(x); }

inline realw lf_tanh_grad(const realw t) { return 1.0 - t * t; }

inline realw lf_relu(const realw x) { return fmax(x, SPLAT(0.0)); }

inline realw lf_relu_grad(const realw x) { return (x > 0.0) ? SPLAT(1.0) : SPLAT(0.0); }

inline realw lf_softplus(const realw x) { return lf_log1p_exp(x); }

inline realw lf_softplus_grad(const realw x) { return lf_inv_logit(x); }
