// peak.cl — the device's multiply-add rate, the ceiling the model kernels are measured against.
//
// Every work-item runs LF_PEAK_RECURRENCES independent recurrences a <- fma(a, m, b), each over
// W lanes, `iterations` times: 2 · LF_PEAK_RECURRENCES · W flops per iteration, no memory traffic
// inside the loop. Twelve independent chains cover the latency of two pipelined FMA units (4–5
// cycles each on x86 cores) and fit AVX2's 16 vector registers; GPUs hide latency across warps.
// The starts come from memory so the compiler can fold nothing, and each work-item stores the
// sum of its recurrences so none is dead. Host twin: `PeakThroughput.hostSums`.
#define LF_PEAK_RECURRENCES 12

__kernel void lf_peak_fma(__global const real* starts, __global real* sums, const real multiplier,
                          const real addend, const int iterations) {
    const int item = (int)get_global_id(0);
    const realw m = SPLAT(multiplier), b = SPLAT(addend);
    realw a[LF_PEAK_RECURRENCES];
    _Pragma("unroll") for (int k = 0; k < LF_PEAK_RECURRENCES; ++k) a[k] = LOADW(starts + k * W) + (real)item;
    for (int i = 0; i < iterations; ++i) {
        _Pragma("unroll") for (int k = 0; k < LF_PEAK_RECURRENCES; ++k) a[k] = fma(a[k], m, b);
    }
    realw s = a[0];
    _Pragma("unroll") for (int k = 1; k < LF_PEAK_RECURRENCES; ++k) s += a[k];
    STOREW(s, sums + item * W);
}
