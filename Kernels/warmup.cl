// warmup.cl — a warmup transition's statistics reduced where the chains are (issue 13): what an
// adapter learns from, read back as a few numbers per chain instead of the chains' positions,
// gradients and proposals (`WarmupReducer` in LeapfrogOpenCL runs these). Device twins of, in
// Swift (LeapfrogSampling): `WelfordEstimator.add` (lf_warmup_welford),
// `WarmupConvergence.projections` (lf_warmup_projections) and `ChEESAdaptation.sums`
// (lf_chees_partial_means, lf_chees_means, lf_chees_sums), statement for statement.
//
// Buffers are chain-fastest over `stride`: element (i, c) at i * stride + c, chains c < `chains`.
// Scalar code: one work-item per chain (or per coordinate and block of chains); no W lanes.

// Welford's update of every chain's window moments with its new position x, per coordinate:
//     delta = x − mean;  mean += delta / n;  m2 += delta · (x − mean)
// n the window's count after adding x (every chain alike). 1-D over the chains.
__kernel void lf_warmup_welford(__global const real* x, __global real* mean, __global real* m2,
                                const int dimension, const int stride, const int chains, const real n)
{
    const int c = get_global_id(0);
    if (c >= chains) return;
    for (int i = 0; i < dimension; ++i) {
        const int k = i * stride + c;
        const real v = x[k];
        const real delta = v - mean[k];
        mean[k] += delta / n;
        m2[k] += delta * (v - mean[k]);
    }
}

// Projection j < count of every chain's position, Σ_i s(i, j) x_i in order of i, with s(i, j) = +1
// when i & (j + 1) has an even number of bits set, else −1. 1-D over the chains; row j of `out`.
__kernel void lf_warmup_projections(__global const real* x, __global real* out, const int count,
                                    const int dimension, const int stride, const int chains)
{
    const int c = get_global_id(0);
    if (c >= chains) return;
    for (int j = 0; j < count; ++j) {
        real s = 0.0;
        for (int i = 0; i < dimension; ++i) {
            const real v = x[i * stride + c];
            s += (popcount(i & (j + 1)) % 2 == 0) ? v : -v;
        }
        out[j * stride + c] = s;
    }
}

// ChEES's weight of a chain: its acceptance probability, 0 when divergent (flag 2) or not finite.
inline real lf_chees_weight(const real accept, const real flags) {
    return (((int)flags & 2) != 0 || !isfinite(accept)) ? 0.0 : accept;
}

// Partial sums over block b of `block` chains (in order): for coordinate i < dimension
// Σ w_c x'_ic and Σ x_ic (proposal x', start x), for i == dimension Σ w_c. 2-D: (block, i).
// partial[b · (2d + 1) + i], [.. + d + i], [.. + 2d].
__kernel void lf_chees_partial_means(__global const real* proposal, __global const real* start,
                                     __global const real* accept, __global const real* flags,
                                     __global real* partial, const int dimension, const int stride,
                                     const int chains, const int block)
{
    const int b = get_global_id(0), i = get_global_id(1);
    const int first = b * block;
    if (first >= chains || i > dimension) return;
    const int last = min(chains, first + block);
    real sp = 0.0, ss = 0.0, sw = 0.0;
    for (int c = first; c < last; ++c) {
        const real w = lf_chees_weight(accept[c], flags[c]);
        if (i < dimension) {
            sp += w * proposal[i * stride + c];
            ss += start[i * stride + c];
        } else {
            sw += w;
        }
    }
    const int row = b * (2 * dimension + 1);
    if (i < dimension) {
        partial[row + i] = sp;
        partial[row + dimension + i] = ss;
    } else {
        partial[row + 2 * dimension] = sw;
    }
}

// The blocks' partial sums added in order: totals[0..<2d+1]. 1-D over the 2d + 1 entries.
__kernel void lf_chees_means(__global const real* partial, __global real* totals, const int dimension,
                             const int blocks)
{
    const int i = get_global_id(0);
    if (i > 2 * dimension) return;
    real s = 0.0;
    for (int b = 0; b < blocks; ++b) s += partial[b * (2 * dimension + 1) + i];
    totals[i] = s;
}

// Per chain, with x̄' = Σ w x' / Σ w and x̄ = Σ x / chains from `totals`, a = x' − x̄', b = x − x̄
// and v = M⁻¹p' (diag M⁻¹ per chain): Σ a², Σ b², Σ a·v in order of i, to rows 0, 1, 2 of `sums`.
__kernel void lf_chees_sums(__global const real* proposal, __global const real* momentum,
                            __global const real* start, __global const real* inverse_metric,
                            __global const real* totals, __global real* sums, const int dimension,
                            const int stride, const int chains)
{
    const int c = get_global_id(0);
    if (c >= chains) return;
    const real sw = totals[2 * dimension];
    real aa = 0.0, bb = 0.0, av = 0.0;
    for (int i = 0; i < dimension; ++i) {
        const int k = i * stride + c;
        const real a = proposal[k] - totals[i] / sw;
        const real b = start[k] - totals[dimension + i] / (real)chains;
        aa += a * a;
        bb += b * b;
        av += a * (inverse_metric[k] * momentum[k]);
    }
    sums[c] = aa;
    sums[stride + c] = bb;
    sums[2 * stride + c] = av;
}
