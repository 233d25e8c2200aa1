// moments.cl — running per-chain moments of one draw of every chain, on the device
// (`sample --keep moments`): the device twin of `ChainMoments.add` (Swift, LeapfrogDiagnostics).
//
// Welford's update (Welford 1962), element by element, the same three operations as the host:
//     delta = x − mean;  mean += delta / n;  m2 += delta · (x − mean)
// where n is the count of draws in this half after adding x (every chain alike, a kernel
// argument). Quantity 0 is the log density, read from `lp + lpOffset` and made −∞ when it is not
// finite (as the host reads a log density); quantities 1..rows are the recorded values. Buffers
// are chain-fastest over `stride`: element (q, c) at q * stride + c. A non-finite value makes its
// element's moments non-finite (as on the host) and adds 1 to `nonFinite` at the same element.
//
// Launch: a 2-D range, dimension 0 over the chains (rounded up to the local size; lanes at or
// past `chains` return), dimension 1 over the 1 + rows quantities. Scalar code: no W lanes.
__kernel void lf_moments_add(__global const real* recorded, const int rows,
                             __global const real* lp, const int lpOffset,
                             __global real* mean, __global real* m2, __global real* nonFinite,
                             const int stride, const int chains, const real n)
{
    const int c = get_global_id(0);
    const int q = get_global_id(1);
    if (c >= chains || q > rows) return;
    real x;
    if (q == 0) {
        x = lp[lpOffset + c];
        if (!isfinite(x)) x = -INFINITY;
    } else {
        x = recorded[(q - 1) * stride + c];
    }
    const int i = q * stride + c;
    if (!isfinite(x)) nonFinite[i] += 1;
    const real delta = x - mean[i];
    mean[i] += delta / n;
    m2[i] += delta * (x - mean[i]);
}
