/*
 * Random fills from the counter-based Philox4x32-10 generator, reproducing the CPU backend's recipe
 * (CpuRandom, Philox.java) number for number:
 *
 *   block(n) = Philox4x32-10 with key (seed lo, seed hi) and counter (n lo, n hi, 0, 0): words w[0..3]
 *   f(w)     = (w >> 8) * 2^-24                      a float in [0, 1)
 *   d(h, l)  = ((h << 21) | (l >> 11)) * 2^-53       a double in [0, 1)
 *
 *   float32 UNIFORM: w = block(offset + i / 4)[i % 4];   (float) (a + (b - a) * f(w))
 *   float32 NORMAL:  q = i % 4, p = q & ~1, w = block(offset + i / 4); u1 = 1 - f(w[p]),
 *                    u2 = f(w[p + 1]); r = sqrt(-2 log u1), t = 2 pi u2;
 *                    z = r cos t (q even) or r sin t (q odd); (float) (a + b z)
 *   float64 UNIFORM: w = block(offset + i / 2), h = 2 (i % 2); a + (b - a) * d(w[h], w[h + 1])
 *   float64 NORMAL:  u1 = 1 - d(w[0], w[1]), u2 = d(w[2], w[3]); z as above (cos for even i)
 *
 * i is the row-major index of the element; the arithmetic is double, each operation rounded:
 * the CPU never fuses a multiply-add, so neither may these kernels (FP_CONTRACT OFF in OpenCL,
 * the _rn intrinsics in CUDA, which nvcc never contracts). log, cos and sin are the device's
 * (the CPU uses fdlibm's): they may differ in the last bit, which the final rounding to float
 * almost always hides.
 *
 * One work item per Philox block: it writes the 4 (float32) or 2 (float64) elements of its block.
 * meta: [nd, shape, strides] of dst; contiguous != 0 ignores the strides.
 */
#include "ember_gpu.h"

#ifdef __OPENCL_VERSION__
#pragma OPENCL FP_CONTRACT OFF
#define RND_MUL(x, y) ((x) * (y))
#define RND_ADD(x, y) ((x) + (y))
#define RND_SUB(x, y) ((x) - (y))
#else
#define RND_MUL(x, y) __dmul_rn((x), (y))
#define RND_ADD(x, y) __dadd_rn((x), (y))
#define RND_SUB(x, y) __dsub_rn((x), (y))
#endif

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u
/* 2^-24 and 2^-53, exactly. */
#define RND_TWO_M24 5.9604644775390625e-08f
#define RND_TWO_M53 1.1102230246251565404236316680908203125e-16
/* Java's 2 * Math.PI: doubling the double nearest pi is exact. */
#define RND_TWO_PI (2.0 * 3.141592653589793115997963468544185161590576171875)

/* The four words of block (c1:c0) under key (k1:k0). */
DEVICE_FN void philox_block(uint c0, uint c1, uint k0, uint k1, uint* w) {
  uint c2 = 0;
  uint c3 = 0;
  for (int r = 0; r < 10; r++) {
    uint hi0 = UMULHI(PHILOX_M0, c0);
    uint lo0 = PHILOX_M0 * c0;
    uint hi1 = UMULHI(PHILOX_M1, c2);
    uint lo1 = PHILOX_M1 * c2;
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  w[0] = c0;
  w[1] = c1;
  w[2] = c2;
  w[3] = c3;
}

DEVICE_FN double philox_f(uint w) {
  return (double) ((float) (w >> 8) * RND_TWO_M24);
}

DEVICE_FN double philox_d(uint hi, uint lo) {
  ulong bits = ((ulong) hi << 21) | (ulong) (lo >> 11);
  return RND_MUL((double) bits, RND_TWO_M53);
}

/* Box-Muller: sqrt(-2 log u1) times cos or sin of 2 pi u2. */
DEVICE_FN double philox_box_muller(double u1, double u2, int use_cos) {
  double r = sqrt(RND_MUL(-2.0, log(u1)));
  double t = RND_MUL(RND_TWO_PI, u2);
  return RND_MUL(r, use_cos ? cos(t) : sin(t));
}

/* The block of work item j: offset + j as a 64-bit counter. */
DEVICE_FN void philox_at(int j, int seed_lo, int seed_hi, int off_lo, int off_hi, uint* w) {
  ulong ctr = (((ulong) (uint) off_hi << 32) | (ulong) (uint) off_lo) + (ulong) (uint) j;
  philox_block((uint) ctr, (uint) (ctr >> 32), (uint) seed_lo, (uint) seed_hi, w);
}

DEVICE_FN int random_offset(int i, GLOBAL const int* meta, int contiguous) {
  return contiguous ? i : ember_offset(i, meta[0], meta + 1, meta + 1 + meta[0]);
}

/* normal != 0 draws NORMAL(a, b), else UNIFORM [a, b). */
KERNEL random_f32(GLOBAL float* dst, int dst_off, int n, int normal, int seed_lo, int seed_hi,
    int off_lo, int off_hi, double a, double b, GLOBAL const int* meta, int contiguous) {
  int j = GLOBAL_ID();
  if (j >= (int) (((long) n + 3) / 4)) return;
  uint w[4];
  philox_at(j, seed_lo, seed_hi, off_lo, off_hi, w);
  for (int q = 0; q < 4; q++) {
    int i = 4 * j + q;
    if (i >= n) return;
    double v;
    if (normal) {
      int p = q & ~1;
      double u1 = RND_SUB(1.0, philox_f(w[p]));
      double u2 = philox_f(w[p + 1]);
      v = RND_ADD(a, RND_MUL(b, philox_box_muller(u1, u2, (q & 1) == 0)));
    } else {
      v = RND_ADD(a, RND_MUL(RND_SUB(b, a), philox_f(w[q])));
    }
    dst[dst_off + random_offset(i, meta, contiguous)] = (float) v;
  }
}

KERNEL random_f64(GLOBAL double* dst, int dst_off, int n, int normal, int seed_lo, int seed_hi,
    int off_lo, int off_hi, double a, double b, GLOBAL const int* meta, int contiguous) {
  int j = GLOBAL_ID();
  if (j >= (int) (((long) n + 1) / 2)) return;
  uint w[4];
  philox_at(j, seed_lo, seed_hi, off_lo, off_hi, w);
  double z0 = 0.0;
  double z1 = 0.0;
  if (normal) {
    double u1 = RND_SUB(1.0, philox_d(w[0], w[1]));
    double u2 = philox_d(w[2], w[3]);
    z0 = RND_ADD(a, RND_MUL(b, philox_box_muller(u1, u2, 1)));
    z1 = RND_ADD(a, RND_MUL(b, philox_box_muller(u1, u2, 0)));
  } else {
    z0 = RND_ADD(a, RND_MUL(RND_SUB(b, a), philox_d(w[0], w[1])));
    z1 = RND_ADD(a, RND_MUL(RND_SUB(b, a), philox_d(w[2], w[3])));
  }
  int i = 2 * j;
  dst[dst_off + random_offset(i, meta, contiguous)] = z0;
  if (i + 1 < n) {
    dst[dst_off + random_offset(i + 1, meta, contiguous)] = z1;
  }
}
