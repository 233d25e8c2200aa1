// warmup.cl — a warmup transition's statistics reduced where the chains are (issue 13): what an
// adapter learns from, read back as a few numbers per chain instead of the chains' positions,
// gradients and proposals (`WarmupReducer` in LeapfrogOpenCL runs these). Device twins of, in
// Swift (LeapfrogSampling): `WelfordEstimator.add` (lf_warmup_welford),
// `WarmupConvergence.projections` (lf_warmup_projections) and `ChEESAdaptation.sums`
// (lf_chees_partial_means, lf_chees_means, lf_chees_sums), statement for statement.
//
// Buffers are chain-fastest over `stride`: element (i, c) at i * stride + c, chains c < `chains`.
// The per-chain kernels run W chains per work-item in SIMD lanes, as the trajectories do (the
// padding chains up to `stride` are computed like real ones and ignored); the sums over chains
// are scalar, one work-item per coordinate and block of chains.

// Welford's update of every chain's window moments with its new position x (for the Fisher metric
// estimate, also run on the gradients at it into their own moments), per coordinate:
//     delta = x − mean;  mean += delta / n;  m2 += delta · (x − mean)
// n the window's count after adding x (every chain alike). At n = 1 the moments before are taken
// as 0 (a fresh estimator's), whatever the buffers hold from the last window, so nothing needs
// clearing between windows. x starts at `offset` (a slot of a ring of kept samples). 1-D over the
// work-items.
__kernel void lf_warmup_welford(__global const real* x, __global real* mean, __global real* m2,
                                const int dimension, const int stride, const real n, const int offset)
{
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    x += offset;
    for (int i = 0; i < dimension; ++i) {
        const int k = i * stride + c;
        const realw v = LOADW(x + k);
        const realw before = n == 1 ? SPLAT(0.0) : LOADW(mean + k);
        const realw delta = v - before;
        const realw updated = before + delta / n;
        STOREW(updated, mean + k);
        STOREW((n == 1 ? SPLAT(0.0) : LOADW(m2 + k)) + delta * (v - updated), m2 + k);
    }
}

// Projection j < count of every chain's position, Σ_i s(i, j) x_i in order of i, with s(i, j) = +1
// when i & (j + 1) has an even number of bits set, else −1. 1-D over the work-items; row j of `out`
// after `out_offset`, x from `offset`.
__kernel void lf_warmup_projections(__global const real* x, __global real* out, const int count,
                                    const int dimension, const int stride, const int offset, const int out_offset)
{
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    x += offset;
    out += out_offset;
    for (int j = 0; j < count; ++j) {
        realw s = SPLAT(0.0);
        for (int i = 0; i < dimension; ++i) {
            const realw v = LOADW(x + i * stride + c);
            if (popcount(i & (j + 1)) % 2 == 0) s += v; else s -= v;
        }
        STOREW(s, out + j * stride + c);
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

// The blocks' partial sums added in order, then the means: means[i] = x̄'_i = Σ w x'_i / Σ w and
// means[d + i] = x̄_i = Σ x_i / chains for i < d, means[2d] = Σ w (every work-item adds the blocks'
// weights itself, in the same order). 1-D over the 2d + 1 entries.
__kernel void lf_chees_means(__global const real* partial, __global real* means, const int dimension,
                             const int blocks, const int chains)
{
    const int i = get_global_id(0);
    if (i > 2 * dimension) return;
    const int row = 2 * dimension + 1;
    real s = 0.0, sw = 0.0;
    for (int b = 0; b < blocks; ++b) {
        s += partial[b * row + i];
        sw += partial[b * row + 2 * dimension];
    }
    means[i] = i < dimension ? s / sw : i < 2 * dimension ? s / (real)chains : s;
}

// Per chain, with the means x̄' and x̄ (`means`), a = x' − x̄', b = x − x̄ and v = M⁻¹p' (diag M⁻¹
// per chain): Σ a², Σ b², Σ a·v in order of i, to rows 0, 1, 2 of `sums`. 1-D over the work-items.
__kernel void lf_chees_sums(__global const real* proposal, __global const real* momentum,
                            __global const real* start, __global const real* inverse_metric,
                            __global const real* means, __global real* sums, const int dimension,
                            const int stride)
{
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    realw aa = SPLAT(0.0), bb = SPLAT(0.0), av = SPLAT(0.0);
    for (int i = 0; i < dimension; ++i) {
        const int k = i * stride + c;
        const realw a = LOADW(proposal + k) - means[i];
        const realw b = LOADW(start + k) - means[dimension + i];
        aa += a * a;
        bb += b * b;
        av += a * (LOADW(inverse_metric + k) * LOADW(momentum + k));
    }
    STOREW(aa, sums + c);
    STOREW(bb, sums + stride + c);
    STOREW(av, sums + 2 * stride + c);
}
