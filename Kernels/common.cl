// common.cl — the prelude every Leapfrog program starts with: the floating-point type, the
// chains-per-work-item width, vector load/store macros and constants. Computes nothing itself.
//
// Tunables (the host overrides them with -D):
//   REAL_DOUBLE  0: `real` is float; 1: `real` is double (needs cl_khr_fp64).
//   W            chains per work-item: 1 (GPUs), or 2, 4, 8, 16 (CPU devices, where PoCL only
//                vectorises through OpenCL vector types). `realw` is `real` when W == 1, else the
//                vector type realW (float8, double4, ...); `uintw` likewise over uint; `maskw` is
//                what a comparison of two realw returns (int, or intW/longW: a lane is true
//                when its sign bit is set), the mask `select` takes.
//
// Memory layout of per-chain data: chain-fastest, component p of chain c at x[p * stride + c],
// where `stride` (the padded chain count) is a multiple of W. Work-item g owns chains
// g*W .. g*W + W-1 and reads component p with one vector load LOADW(x + p*stride + g*W).
// Padding chains are computed like real ones and ignored by the host.
//
// Float programs are built with -cl-single-precision-constant, so unsuffixed literals such as
// 0.5 are float there and double in double programs: kernels write constants without suffix.

#ifndef REAL_DOUBLE
#define REAL_DOUBLE 0
#endif
#ifndef W
#define W 1
#endif

#if REAL_DOUBLE
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#define LF_REAL_NAME double
#else
typedef float real;
#define LF_REAL_NAME float
#endif

#define LF_PASTE(a, b) a##b
#define LF_XPASTE(a, b) LF_PASTE(a, b)

#if W == 1
typedef real realw;
typedef uint uintw;
typedef int maskw;
#define LOADW(ptr) (*(ptr))
#define STOREW(value, ptr) (*(ptr) = (value))
#define CONVERT_REALW(x) ((real)(x))
#define CONVERT_UINTW(x) ((uint)(x))
#define LF_LANES ((uint)0)
#else
typedef LF_XPASTE(LF_REAL_NAME, W) realw;
typedef LF_XPASTE(uint, W) uintw;
#if REAL_DOUBLE
typedef LF_XPASTE(long, W) maskw;
#else
typedef LF_XPASTE(int, W) maskw;
#endif
#define LOADW(ptr) LF_XPASTE(vload, W)(0, (ptr))
#define STOREW(value, ptr) LF_XPASTE(vstore, W)((value), 0, (ptr))
#define CONVERT_REALW(x) LF_XPASTE(LF_XPASTE(convert_, LF_REAL_NAME), W)(x)
#define CONVERT_UINTW(x) LF_XPASTE(convert_uint, W)(x)
#if W == 2
#define LF_LANE_INDEX ((uint2)(0, 1))
#elif W == 4
#define LF_LANE_INDEX ((uint4)(0, 1, 2, 3))
#elif W == 8
#define LF_LANE_INDEX ((uint8)(0, 1, 2, 3, 4, 5, 6, 7))
#elif W == 16
#define LF_LANE_INDEX ((uint16)(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15))
#else
#error "W must be 1, 2, 4, 8 or 16"
#endif
#define LF_LANES LF_LANE_INDEX
#endif

// Rows in lanes (-D LF_ROW_LANES=1, the `rowsInLanes` launch shape, W > 1): a work-item
// evaluates one chain, and its W lanes hold W rows of the model's plate at once. Outside the
// plate's row loops every lane holds the chain's value (LOADW broadcasts the chain's element and
// STOREW stores lane 0; the transition kernels hold the chain's scalars, `realt` below). Inside,
// LOADR reads W rows of a data element from the row-blocked layout (element k of row r at
// ((r / W) * slice + k) * W + r % W, the last block padded with copies of the last row),
// LF_ROW_KEEP zeroes the padding lanes' contributions, and after the loop LF_HSUM adds the
// lanes' partial sums in a fixed order (pairwise halves), so the result does not depend on
// scheduling. Sums over the rows then differ from a sequential sum by rounding only.
#ifndef LF_ROW_LANES
#define LF_ROW_LANES 0
#endif
#if LF_ROW_LANES
#if W == 1
#error "rows in lanes needs W > 1"
#endif
#undef LOADW
#undef STOREW
#define LOADW(ptr) ((realw)(*(ptr)))
#define STOREW(value, ptr) (*(ptr) = (value).s0)
#define LF_CHAINS_PER_ITEM 1
#define LOADR(ptr) LF_XPASTE(vload, W)(0, (ptr))
// Lanes of row block `block` that hold one of the plate's `rows` rows (all of them when W divides
// `rows`, which the compiler folds).
#define LF_ROW_VALID(block, rows) (((rows) % W == 0) ? (maskw)(-1) \
    : isless(CONVERT_REALW((uintw)((uint)(block) * W) + LF_LANE_INDEX), (realw)((real)(rows))))
#define LF_ROW_KEEP(v) select((realw)(0.0), (v), lf_row_on)
// `v` in lane 0 and zero elsewhere: what a row loop's sums start from.
#define LF_LANE0(v) select((realw)(0.0), (v), isequal(CONVERT_REALW(LF_LANE_INDEX), (realw)(0.0)))
typedef LF_XPASTE(LF_REAL_NAME, 2) lf_real2;
#if W == 2
#define LF_HSUM(v) ((v).s0 + (v).s1)
#elif W == 4
inline real lf_hsum4(const realw v) { const lf_real2 a = v.lo + v.hi; return a.s0 + a.s1; }
#define LF_HSUM(v) lf_hsum4(v)
#elif W == 8
typedef LF_XPASTE(LF_REAL_NAME, 4) lf_real4;
inline real lf_hsum8(const realw v) { const lf_real4 a = v.lo + v.hi; const lf_real2 b = a.lo + a.hi; return b.s0 + b.s1; }
#define LF_HSUM(v) lf_hsum8(v)
#else
typedef LF_XPASTE(LF_REAL_NAME, 4) lf_real4;
typedef LF_XPASTE(LF_REAL_NAME, 8) lf_real8;
inline real lf_hsum16(const realw v) {
    const lf_real8 a = v.lo + v.hi; const lf_real4 b = a.lo + a.hi; const lf_real2 e = b.lo + b.hi; return e.s0 + e.s1;
}
#define LF_HSUM(v) lf_hsum16(v)
#endif
#else
#define LF_CHAINS_PER_ITEM W
#endif

// The transition kernels' types (`realt`, `uintt`, `maskt` and their macros, in
// philox.cl and the generated HMC and NUTS kernels): the chains' W-wide ones, or with rows in
// lanes a work-item's one chain as scalars: its state, tree and random stream are one chain's,
// and only the density (`lf_model_density`) runs W rows at once. (16 lanes holding copies of one
// chain's NUTS state were 170 KB of stack per work-item for the BNN, half the run's time.)
#if LF_ROW_LANES
typedef real realt;
typedef uint uintt;
typedef int maskt;
#define LOADT(ptr) (*(ptr))
#define STORET(value, ptr) (*(ptr) = (value))
#define SPLATT(x) ((real)(x))
#define CONVERT_REALT(x) ((real)(x))
#define CONVERT_UINTT(x) ((uint)(x))
#define LF_LANEST ((uint)0)
#define LF_SELECTT(a, b, m) ((m) ? (b) : (a))
#define LF_ANYT(m) ((m) != 0)
#else
typedef realw realt;
typedef uintw uintt;
typedef maskw maskt;
#define LOADT(ptr) LOADW(ptr)
#define STORET(value, ptr) STOREW(value, ptr)
#define SPLATT(x) SPLAT(x)
#define CONVERT_REALT(x) CONVERT_REALW(x)
#define CONVERT_UINTT(x) CONVERT_UINTW(x)
#define LF_LANEST LF_LANES
#define LF_SELECTT(a, b, m) LF_SELECT(a, b, m)
#define LF_ANYT(m) LF_ANY(m)
#endif

// The chains a `realt` holds (LF_TLANES) and lane l of a `realt` lvalue (LF_TLANE), for the few
// stores and loads whose address differs between lanes (NUTS's chained transitions write each
// chain's outputs at the row of its own transition).
#if LF_ROW_LANES || W == 1
#define LF_TLANES 1
#define LF_TLANE(v, l) (v)
#else
#define LF_TLANES W
#define LF_TLANE(v, l) (((real*)&(v))[l])
#endif

// A scalar broadcast to realw (a no-op when W == 1).
#define SPLAT(x) ((realw)(x))

// Lane masks (maskw, from comparisons such as isgreater or isfinite): LF_SELECT(a, b, m) is b in
// the lanes where m is true and a elsewhere; LF_ANY(m) whether any lane is true. A scalar
// comparison gives 1 and a vector one -1 per true lane, so `&` and `|` combine masks either way.
#if W == 1
#define LF_SELECT(a, b, m) ((m) ? (b) : (a))
#define LF_ANY(m) ((m) != 0)
#else
#define LF_SELECT(a, b, m) select((a), (b), (m))
#define LF_ANY(m) any(m)
#endif

// The largest count a real holds exactly, less one: a counter kept in a real (an ODE solve's
// steps per lane) stops there.
#if REAL_DOUBLE
#define LF_EXACT_COUNT 9007199254740991.0
#else
#define LF_EXACT_COUNT 16777215.0
#endif
#define LF_PI 3.14159265358979323846
#define LF_TWO_PI 6.28318530717958647693
#define LF_LOG_PI 1.14472988584940017414
#define LF_LOG_TWO 0.69314718055994530942
#define LF_LOG_SQRT_TWO_PI 0.91893853320467274178
#define LF_HALF_LOG_TWO_OVER_PI (-0.22579135264472743236)

// The first chain of this work-item, or -1 when the work-item lies past the padded chain count
// (global sizes are rounded up to a multiple of the local size).
inline int lf_first_chain(const int stride) {
    const int c = (int)get_global_id(0) * LF_CHAINS_PER_ITEM;
    return c < stride ? c : -1;
}
