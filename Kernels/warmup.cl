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

// Partial sums over block b of `block` chains (in order; the acceptance probabilities and flags at
// `row`, a ring's row): for coordinate i < dimension
// Σ w_c x'_ic and Σ x_ic (proposal x', start x), for i == dimension Σ w_c. 2-D: (block, i).
// partial[b · (2d + 1) + i], [.. + d + i], [.. + 2d].
__kernel void lf_chees_partial_means(__global const real* proposal, __global const real* start,
                                     __global const real* accept, __global const real* flags,
                                     __global real* partial, const int dimension, const int stride,
                                     const int chains, const int block, const int row)
{
    const int b = get_global_id(0), i = get_global_id(1);
    accept += row;
    flags += row;
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
    const int out = b * (2 * dimension + 1);
    if (i < dimension) {
        partial[out + i] = sp;
        partial[out + dimension + i] = ss;
    } else {
        partial[out + 2 * dimension] = sw;
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

// ChEES-HMC's shared adaptation continued on the device over a chained warmup group
// (`OpenCLTrajectories.runChEESKeepingState`): the twins of `WindowedAdapter`'s shared dual
// averaging and `ChEESAdaptation`'s Adam step on log T (LeapfrogSampling), with the state in a
// small buffer laid out as `ChEESAdaptationState.deviceValues` (LeapfrogCore):
#define LF_CHEES_COUNTER 0
#define LF_CHEES_ERROR_MEAN 1
#define LF_CHEES_MU 2
#define LF_CHEES_STEP_SIZE 3
#define LF_CHEES_TARGET 4
#define LF_CHEES_GAMMA 5
#define LF_CHEES_T0 6
#define LF_CHEES_LOG_LENGTH 7
#define LF_CHEES_SECOND_MOMENT 8
#define LF_CHEES_STEP 9
#define LF_CHEES_LOG_LENGTH_AVERAGE 10
#define LF_CHEES_LEARNING_RATE 11
#define LF_CHEES_BETA2 12
#define LF_CHEES_EPSILON 13
#define LF_CHEES_CLIP 14
#define LF_CHEES_MAXIMUM_STEPS 15
#define LF_CHEES_DECAY_RATE 16
// Each transition t of a group records 3 numbers: the step size it used, the mean gradient term
// G and the step size's statistic (`record[3t]`, `[3t + 1]`, `[3t + 2]`).

// Before transition t: every chain's step size ε (the state's) and step count ⌈u_t·exp(log T)/ε⌉,
// at least one (`HMCKernel.trajectoryShape` with a time and no jitter), to `row` of `step_size`
// and `steps`; ε to the record. 1-D over the stride's chains.
__kernel void lf_chees_shape(__global const real* state, __global const real* jitter, const int t,
                             __global real* step_size, __global real* steps, const int row,
                             __global real* record, const int stride)
{
    const int c = get_global_id(0);
    if (c >= stride) return;
    const real eps = state[LF_CHEES_STEP_SIZE];
    const real time = jitter[t] * exp(state[LF_CHEES_LOG_LENGTH]);
    step_size[row + c] = eps;
    steps[row + c] = fmax((real)1.0, ceil(time / eps));
    if (c == 0) record[3 * t] = eps;
}

// After transition t (its acceptance probabilities and flags at `row`, ChEES's per-chain sums from
// `lf_chees_sums`): the statistic, the mean gradient term, then the state's dual averaging and Adam
// step. One work-group of a power-of-two size L (`scratch` holds 3L reals): work-item l takes the
// harmonic mean's groups l, l + L, … (each over its chains in order, as the host) or the chains
// l, l + L, … of the arithmetic mean and of the gradient's sums, then the items' sums are added
// pairwise; with L = 1 every sum runs in the host's order. `group`: the harmonic mean's group size,
// 0 for the arithmetic mean.
__kernel void lf_chees_adapt(__global const real* accept, __global const real* flags, const int row,
                             __global const real* sums, __global real* state, __global const real* jitter,
                             const int t, __global real* record, const int chains, const int stride,
                             const int group, __local real* scratch)
{
    const int l = get_local_id(0), L = get_local_size(0);
    accept += row;
    flags += row;
    real a_sum = 0.0, num = 0.0, w_sum = 0.0;
    const int groups = group > 0 ? max(1, (chains + group - 1) / group) : 0;
    if (group > 0) {
        for (int g = l; g < groups; g += L) {
            const int lo = (int)((long)g * chains / groups), hi = (int)((long)(g + 1) * chains / groups);
            real inv = 0.0;
            int ok = 0;
            for (int c = lo; c < hi; ++c) {
                const real a = accept[c];
                if (((int)flags[c] & 2) == 0 && isfinite(a)) { inv += 1.0 / a; ok += 1; }
            }
            real h = ok > 0 ? 1.0 / (inv / (real)ok) : 0.0;
            a_sum += isfinite(h) ? h : 0.0;
        }
    }
    for (int c = l; c < chains; c += L) {
        const real w = lf_chees_weight(accept[c], flags[c]);
        if (group == 0) a_sum += isfinite(accept[c]) ? accept[c] : 0.0;
        w_sum += w;
        if (w > 0.0) {
            const real term = (sums[c] - sums[stride + c]) * sums[2 * stride + c];
            if (isfinite(term)) num += w * term;
        }
    }
    scratch[l] = a_sum;
    scratch[L + l] = num;
    scratch[2 * L + l] = w_sum;
    for (int apart = L / 2; apart > 0; apart /= 2) {
        barrier(CLK_LOCAL_MEM_FENCE);
        if (l < apart) {
            scratch[l] += scratch[l + apart];
            scratch[L + l] += scratch[L + l + apart];
            scratch[2 * L + l] += scratch[2 * L + l + apart];
        }
    }
    if (l != 0) return;
    const real statistic = group > 0 ? scratch[0] / (real)groups : scratch[0] / (real)chains;
    const real mean_term = scratch[2 * L] > 0.0 ? scratch[L] / scratch[2 * L] : 0.0;
    record[3 * t + 1] = mean_term;
    record[3 * t + 2] = statistic;

    // Dual averaging of the shared log step size (`DualAveraging.update`).
    const real counter = state[LF_CHEES_COUNTER] + 1.0;
    const real stat = isnan(statistic) ? 0.0 : fmin((real)1.0, statistic);
    const real eta = 1.0 / (counter + state[LF_CHEES_T0]);
    const real s_bar = (1.0 - eta) * state[LF_CHEES_ERROR_MEAN] + eta * (state[LF_CHEES_TARGET] - stat);
    const real eps = exp(state[LF_CHEES_MU] - s_bar * sqrt(counter) / state[LF_CHEES_GAMMA]);
    state[LF_CHEES_COUNTER] = counter;
    state[LF_CHEES_ERROR_MEAN] = s_bar;
    state[LF_CHEES_STEP_SIZE] = eps;

    // Adam's ascent step on log T with the gradient t_u · G (`ChEESAdaptation.ascend`).
    real log_t = state[LF_CHEES_LOG_LENGTH];
    const real g = jitter[t] * exp(log_t) * mean_term;
    const real step = state[LF_CHEES_STEP] + 1.0;
    const real beta2 = state[LF_CHEES_BETA2], clip = state[LF_CHEES_CLIP];
    const real v = beta2 * state[LF_CHEES_SECOND_MOMENT] + (1.0 - beta2) * g * g;
    const real v_hat = v / (1.0 - pow(beta2, step));
    const real delta = state[LF_CHEES_LEARNING_RATE] * g / (sqrt(v_hat) + state[LF_CHEES_EPSILON]);
    if (!isnan(delta)) log_t += fmin(fmax(delta, -clip), clip);
    log_t = fmin(log_t, log(state[LF_CHEES_MAXIMUM_STEPS] * eps));
    const real weight = pow(step, -state[LF_CHEES_DECAY_RATE]);
    state[LF_CHEES_SECOND_MOMENT] = v;
    state[LF_CHEES_STEP] = step;
    state[LF_CHEES_LOG_LENGTH] = log_t;
    state[LF_CHEES_LOG_LENGTH_AVERAGE] = (1.0 - weight) * state[LF_CHEES_LOG_LENGTH_AVERAGE] + weight * log_t;
}
