// reductions.cl — sums.
//
// lf_work_group_sum(v, scratch): the sum of v over the work-group, returned to every work-item.
//   `scratch` is __local real[get_local_size(0)]; any local size works (not only powers of two).
//   Every work-item of the group must call it (it contains barriers).
//
// Kernel reduce_sum: partial[g] = Σ x[i] over the indices i that work-group g visits (a grid-stride
//   loop over 0..<n), so the host adds get_num_groups(0) partial sums. x is a plain array of n reals.
//
// Kernel sum_rows: per-chain sums of a chain-fastest matrix: out[c] = Σ_r x[r * stride + c] for
//   r = 0..<rows; W chains per work-item, stride a multiple of W.

inline real lf_work_group_sum(real v, __local real* scratch) {
    const int lid = (int)get_local_id(0);
    int active = (int)get_local_size(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    while (active > 1) {
        const int upper = (active + 1) / 2;  // items [upper, active) fold onto [0, active - upper)
        if (lid < active - upper) scratch[lid] += scratch[lid + upper];
        barrier(CLK_LOCAL_MEM_FENCE);
        active = upper;
    }
    const real total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);              // scratch may be reused straight after
    return total;
}

__kernel void reduce_sum(__global const real* x, __global real* partial, __local real* scratch, const int n) {
    real acc = 0.0;
    for (int i = (int)get_global_id(0); i < n; i += (int)get_global_size(0)) acc += x[i];
    const real total = lf_work_group_sum(acc, scratch);
    if (get_local_id(0) == 0) partial[get_group_id(0)] = total;
}

__kernel void sum_rows(__global const real* x, __global real* out, const int rows, const int stride) {
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    realw acc = SPLAT(0.0);
    for (int r = 0; r < rows; ++r) acc += LOADW(x + r * stride + c);
    STOREW(acc, out + c);
}
