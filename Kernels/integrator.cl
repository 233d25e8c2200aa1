// integrator.cl — the leapfrog (velocity Verlet) pieces of HMC for every chain at once.
//
// Layout: chain-fastest, component i of chain c at x[i * stride + c]; `stride` (padded chain
// count) is a multiple of W; W chains per work-item. Per-chain step sizes eps[c].
//
// Metrics (the inverse metric M⁻¹ is what the kernels read):
//   unit      M⁻¹ = I                         (no metric buffer)
//   diag      M⁻¹ = diag(inv_metric)          shared: inv_metric[i]; per chain: inv_metric[i*stride + c]
//   dense     M⁻¹ = inv_metric (dim × dim, row-major, symmetric)
//                                             shared: inv_metric[i*dim + j]; per chain: inv_metric[(i*dim + j)*stride + c]
// Tunable PER_CHAIN_METRIC (default 0): 1 reads a separate metric per chain.
//
// Kernels:
//   momentum_step(p, grad, eps, fraction)   p += fraction · eps · ∇log π   (fraction 0.5: a half step)
//   position_step_{unit,diag,dense}(q, p, eps, [inv_metric])   q += eps · M⁻¹ p   (a full step)
//   kinetic_energy_{unit,diag,dense}(p, [inv_metric], out)    out[c] = ½ pᵀ M⁻¹ p

#ifndef PER_CHAIN_METRIC
#define PER_CHAIN_METRIC 0
#endif

#if PER_CHAIN_METRIC
#define LF_METRIC(m, index) LOADW((m) + (index) * stride + c)
#else
#define LF_METRIC(m, index) SPLAT((m)[index])
#endif

__kernel void momentum_step(__global real* p, __global const real* grad, __global const real* eps,
                            const real fraction, const int dim, const int stride) {
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    const realw scale = LOADW(eps + c) * fraction;
    for (int i = 0; i < dim; ++i) {
        __global real* pi = p + i * stride + c;
        STOREW(LOADW(pi) + scale * LOADW(grad + i * stride + c), pi);
    }
}

__kernel void position_step_unit(__global real* q, __global const real* p, __global const real* eps,
                                 const int dim, const int stride) {
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    const realw e = LOADW(eps + c);
    for (int i = 0; i < dim; ++i) {
        __global real* qi = q + i * stride + c;
        STOREW(LOADW(qi) + e * LOADW(p + i * stride + c), qi);
    }
}

__kernel void position_step_diag(__global real* q, __global const real* p, __global const real* eps,
                                 __global const real* inv_metric, const int dim, const int stride) {
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    const realw e = LOADW(eps + c);
    for (int i = 0; i < dim; ++i) {
        __global real* qi = q + i * stride + c;
        STOREW(LOADW(qi) + e * LF_METRIC(inv_metric, i) * LOADW(p + i * stride + c), qi);
    }
}

__kernel void position_step_dense(__global real* q, __global const real* p, __global const real* eps,
                                  __global const real* inv_metric, const int dim, const int stride) {
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    const realw e = LOADW(eps + c);
    for (int i = 0; i < dim; ++i) {
        realw v = SPLAT(0.0);
        for (int j = 0; j < dim; ++j) v += LF_METRIC(inv_metric, i * dim + j) * LOADW(p + j * stride + c);
        __global real* qi = q + i * stride + c;
        STOREW(LOADW(qi) + e * v, qi);
    }
}

__kernel void kinetic_energy_unit(__global const real* p, __global real* out, const int dim, const int stride) {
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    realw acc = SPLAT(0.0);
    for (int i = 0; i < dim; ++i) {
        const realw pi = LOADW(p + i * stride + c);
        acc += pi * pi;
    }
    STOREW(0.5 * acc, out + c);
}

__kernel void kinetic_energy_diag(__global const real* p, __global const real* inv_metric, __global real* out,
                                  const int dim, const int stride) {
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    realw acc = SPLAT(0.0);
    for (int i = 0; i < dim; ++i) {
        const realw pi = LOADW(p + i * stride + c);
        acc += LF_METRIC(inv_metric, i) * pi * pi;
    }
    STOREW(0.5 * acc, out + c);
}

__kernel void kinetic_energy_dense(__global const real* p, __global const real* inv_metric, __global real* out,
                                   const int dim, const int stride) {
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    realw acc = SPLAT(0.0);
    for (int i = 0; i < dim; ++i) {
        realw v = SPLAT(0.0);
        for (int j = 0; j < dim; ++j) v += LF_METRIC(inv_metric, i * dim + j) * LOADW(p + j * stride + c);
        acc += LOADW(p + i * stride + c) * v;
    }
    STOREW(0.5 * acc, out + c);
}
