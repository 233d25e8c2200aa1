// philox.cl — Philox-4x32-10 counter-based random numbers, exactly as Random123
// (Salmon et al. 2011): multipliers 0xD2511F53 / 0xCD9E8D57, Weyl key bumps 0x9E3779B9 /
// 0xBB67AE85, 10 rounds. Identical, word for word, to the Swift Philox in LeapfrogRandom.
//
// Counter words: (chain, iteration, purpose, index); key words: (seed & 0xffffffff, seed >> 32).
// Each lane of a uintt is one chain, so W chains draw in one vector call (`realt`, `uintt`: common.cl's
// transition types, one chain's scalars with rows in lanes).
// Uniform:  u = (word + 0.5) * 2^-32, in (0, 1) (in float programs rounded to float, may be 1).
// Normals (Box–Muller) from words (0, 1): z0 = sqrt(-2 ln u0) cos(2π u1), z1 = sqrt(-2 ln u0) sin(2π u1);
// words (2, 3) give a second pair the same way.
//
// Kernel philox_fill: words of counters (chain, iteration, purpose, j), j = 0..<count, written
// chain-fastest: word k of index j for chain c at out[(j*4 + k) * stride + c].
// Kernel philox_normal_fill: the four normals of each such block (pair (0,1) then pair (2,3)),
// at out[(j*4 + k) * stride + c].

#define LF_PHILOX_M0 0xD2511F53u
#define LF_PHILOX_M1 0xCD9E8D57u
#define LF_PHILOX_W0 0x9E3779B9u
#define LF_PHILOX_W1 0xBB67AE85u

inline void lf_philox_round(uintt* c0, uintt* c1, uintt* c2, uintt* c3, const uint k0, const uint k1) {
    const uintt lo0 = *c0 * LF_PHILOX_M0;
    const uintt hi0 = mul_hi(*c0, (uintt)LF_PHILOX_M0);
    const uintt lo1 = *c2 * LF_PHILOX_M1;
    const uintt hi1 = mul_hi(*c2, (uintt)LF_PHILOX_M1);
    const uintt n0 = hi1 ^ *c1 ^ k0;
    const uintt n2 = hi0 ^ *c3 ^ k1;
    *c0 = n0;
    *c1 = lo1;
    *c2 = n2;
    *c3 = lo0;
}

// Philox-4x32-10 in place on the counter (c0, c1, c2, c3) with key (k0, k1).
inline void lf_philox4x32_10(uintt* c0, uintt* c1, uintt* c2, uintt* c3, uint k0, uint k1) {
    for (int round = 0; round < 10; ++round) {
        if (round > 0) { k0 += LF_PHILOX_W0; k1 += LF_PHILOX_W1; }
        lf_philox_round(c0, c1, c2, c3, k0, k1);
    }
}

// (word + 0.5) * 2^-32.
inline realt lf_uniform(const uintt word) {
    return (CONVERT_REALT(word) + 0.5) * 2.3283064365386962890625e-10;
}

// Box–Muller: two independent standard normals from two words.
inline void lf_box_muller(const uintt w0, const uintt w1, realt* z0, realt* z1) {
    const realt r = sqrt(-2.0 * log(lf_uniform(w0)));
    const realt theta = LF_TWO_PI * lf_uniform(w1);
    *z0 = r * cos(theta);
    *z1 = r * sin(theta);
}

__kernel void philox_fill(__global uint* out, const uint key0, const uint key1, const uint iteration,
                          const uint purpose, const int count, const int stride) {
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    for (int j = 0; j < count; ++j) {
        uintt w0 = (uint)c + LF_LANEST, w1 = (uintt)iteration, w2 = (uintt)purpose, w3 = (uintt)(uint)j;
        lf_philox4x32_10(&w0, &w1, &w2, &w3, key0, key1);
        STORET(w0, out + (j * 4 + 0) * stride + c);
        STORET(w1, out + (j * 4 + 1) * stride + c);
        STORET(w2, out + (j * 4 + 2) * stride + c);
        STORET(w3, out + (j * 4 + 3) * stride + c);
    }
}

__kernel void philox_normal_fill(__global real* out, const uint key0, const uint key1, const uint iteration,
                                 const uint purpose, const int count, const int stride) {
    const int c = lf_first_chain(stride);
    if (c < 0) return;
    for (int j = 0; j < count; ++j) {
        uintt w0 = (uint)c + LF_LANEST, w1 = (uintt)iteration, w2 = (uintt)purpose, w3 = (uintt)(uint)j;
        lf_philox4x32_10(&w0, &w1, &w2, &w3, key0, key1);
        realt z0, z1, z2, z3;
        lf_box_muller(w0, w1, &z0, &z1);
        lf_box_muller(w2, w3, &z2, &z3);
        STORET(z0, out + (j * 4 + 0) * stride + c);
        STORET(z1, out + (j * 4 + 1) * stride + c);
        STORET(z2, out + (j * 4 + 2) * stride + c);
        STORET(z3, out + (j * 4 + 3) * stride + c);
    }
}
