/*
 * Random fills from the counter-based Philox4x32-10 generator, reproducing the CPU backend's recipe
 * (CpuRandom, Philox.java) number for number:
 *
 *   block(n) = Philox4x32-10, key (seed lo, seed hi), counter (n lo, n hi, 0, 0): words w[0..3]
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
 * the _rn intrinsics in CUDA, which nvcc never contracts). log, cos and sin are fdlibm's
 * algorithms (Java's StrictMath), written out below with the same operations, so float64
 * normals match too.
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
#define RND_DIV(x, y) ((x) / (y))
#define RND_SQRT(x) sqrt(x)
#else
#define RND_MUL(x, y) __dmul_rn((x), (y))
#define RND_ADD(x, y) __dadd_rn((x), (y))
#define RND_SUB(x, y) __dsub_rn((x), (y))
#define RND_DIV(x, y) __ddiv_rn((x), (y))
#define RND_SQRT(x) __dsqrt_rn(x)
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

/* ---------------------------------------------------------------------------------------------
 * log, sin and cos as fdlibm 5.3 computes them (Java's StrictMath, the CPU backend's reference),
 * operation for operation, on the domains the transform needs: log on normal x in (0, 1], sin
 * and cos on [0, 2 pi). The device's own functions differ from fdlibm in the last bits (up to 4
 * ulps seen on PoCL), which would break the "same numbers on every backend" contract. */

#define FDL_LN2_HI 6.93147180369123816490e-01 /* 3fe62e42 fee00000 */
#define FDL_LN2_LO 1.90821492927058770002e-10 /* 3dea39ef 35793c76 */
#define FDL_LG1 6.666666666666735130e-01 /* 3FE55555 55555593 */
#define FDL_LG2 3.999999999940941908e-01 /* 3FD99999 9997FA04 */
#define FDL_LG3 2.857142874366239149e-01 /* 3FD24924 94229359 */
#define FDL_LG4 2.222219843214978396e-01 /* 3FCC71C5 1D8E78AF */
#define FDL_LG5 1.818357216161805012e-01 /* 3FC74664 96CB03DE */
#define FDL_LG6 1.531383769920937332e-01 /* 3FC39A09 D078C69F */
#define FDL_LG7 1.479819860511658591e-01 /* 3FC2F112 DF3E5244 */
#define FDL_S1 -1.66666666666666324348e-01 /* BFC55555 55555549 */
#define FDL_S2 8.33333333332248946124e-03 /* 3F811111 1110F8A6 */
#define FDL_S3 -1.98412698298579493134e-04 /* BF2A01A0 19C161D5 */
#define FDL_S4 2.75573137070700676789e-06 /* 3EC71DE3 57B1FE7D */
#define FDL_S5 -2.50507602534068634195e-08 /* BE5AE5E6 8A2B9CEB */
#define FDL_S6 1.58969099521155010221e-10 /* 3DE5D93A 5ACFD57C */
#define FDL_C1 4.16666666666666019037e-02 /* 3FA55555 5555554C */
#define FDL_C2 -1.38888888888741095749e-03 /* BF56C16C 16C15177 */
#define FDL_C3 2.48015872894767294178e-05 /* 3EFA01A0 19CB1590 */
#define FDL_C4 -2.75573143513906633035e-07 /* BE927E4F 809C52AD */
#define FDL_C5 2.08757232129817482790e-09 /* 3E21EE9E BDB4B1C4 */
#define FDL_C6 -1.13596475577881948265e-11 /* BDA8FAE9 BE8838D4 */
#define FDL_INVPIO2 6.36619772367581382433e-01 /* 3FE45F30 6DC9C883 */
#define FDL_PIO2_1 1.57079632673412561417e+00 /* 3FF921FB 54400000: first 33 bits of pi/2 */
#define FDL_PIO2_1T 6.07710050650619224932e-11 /* 3DD0B461 1A626331: pi/2 - PIO2_1 */
#define FDL_PIO2_2 6.07710050630396597660e-11 /* 3DD0B461 1A600000: next 33 bits */
#define FDL_PIO2_2T 2.02226624879595063154e-21 /* 3BA3198A 2E037073 */
#define FDL_PIO2_3 2.02226624871116645580e-21 /* 3BA3198A 2E000000: next 33 bits */
#define FDL_PIO2_3T 8.47842766036889956997e-32 /* 397B839A 252049C1 */

DEVICE_FN int fdl_hi(double x) {
  return (int) (DOUBLE_AS_LONG(x) >> 32);
}

/* x with its high word replaced by hi. */
DEVICE_FN double fdl_set_hi(double x, int hi) {
  ulong lo = (ulong) (uint) DOUBLE_AS_LONG(x);
  return LONG_AS_DOUBLE((long) (((ulong) (uint) hi << 32) | lo));
}

/* fdlibm's __ieee754_log for normal x > 0. */
DEVICE_FN double fdl_log(double x) {
  int hx = fdl_hi(x);
  int k = (hx >> 20) - 1023;
  hx &= 0x000fffff;
  int i = (hx + 0x95f64) & 0x100000;
  x = fdl_set_hi(x, hx | (i ^ 0x3ff00000)); /* normalize x or x/2 */
  k += i >> 20;
  double f = RND_SUB(x, 1.0);
  double dk = (double) k;
  if ((0x000fffff & (2 + hx)) < 3) { /* |f| < 2^-20 */
    if (f == 0.0) {
      return k == 0 ? 0.0 : RND_ADD(RND_MUL(dk, FDL_LN2_HI), RND_MUL(dk, FDL_LN2_LO));
    }
    double r = RND_MUL(RND_MUL(f, f), RND_SUB(0.5, RND_MUL(0.33333333333333333, f)));
    return k == 0 ? RND_SUB(f, r)
        : RND_SUB(RND_MUL(dk, FDL_LN2_HI), RND_SUB(RND_SUB(r, RND_MUL(dk, FDL_LN2_LO)), f));
  }
  double s = RND_DIV(f, RND_ADD(2.0, f));
  double z = RND_MUL(s, s);
  i = hx - 0x6147a;
  double w = RND_MUL(z, z);
  int j = 0x6b851 - hx;
  double t1 = RND_MUL(w, RND_ADD(FDL_LG2, RND_MUL(w, RND_ADD(FDL_LG4, RND_MUL(w, FDL_LG6)))));
  double t2 = RND_MUL(z, RND_ADD(FDL_LG1, RND_MUL(w, RND_ADD(FDL_LG3,
      RND_MUL(w, RND_ADD(FDL_LG5, RND_MUL(w, FDL_LG7)))))));
  i |= j;
  double r = RND_ADD(t2, t1);
  if (i > 0) {
    double hfsq = RND_MUL(RND_MUL(0.5, f), f);
    double p = RND_MUL(s, RND_ADD(hfsq, r));
    return k == 0 ? RND_SUB(f, RND_SUB(hfsq, p))
        : RND_SUB(RND_MUL(dk, FDL_LN2_HI),
            RND_SUB(RND_SUB(hfsq, RND_ADD(p, RND_MUL(dk, FDL_LN2_LO))), f));
  }
  double p = RND_MUL(s, RND_SUB(f, r));
  return k == 0 ? RND_SUB(f, p)
      : RND_SUB(RND_MUL(dk, FDL_LN2_HI), RND_SUB(RND_SUB(p, RND_MUL(dk, FDL_LN2_LO)), f));
}

/* fdlibm's __kernel_sin on [-pi/4, pi/4]: x + y is the argument, y its tail (used when iy). */
DEVICE_FN double fdl_ksin(double x, double y, int iy) {
  int ix = fdl_hi(x) & 0x7fffffff;
  if (ix < 0x3e400000 && (int) x == 0) { /* |x| < 2^-27 */
    return x;
  }
  double z = RND_MUL(x, x);
  double v = RND_MUL(z, x);
  double r = RND_ADD(FDL_S2, RND_MUL(z, RND_ADD(FDL_S3, RND_MUL(z, RND_ADD(FDL_S4,
      RND_MUL(z, RND_ADD(FDL_S5, RND_MUL(z, FDL_S6))))))));
  if (iy == 0) {
    return RND_ADD(x, RND_MUL(v, RND_ADD(FDL_S1, RND_MUL(z, r))));
  }
  return RND_SUB(x, RND_SUB(RND_SUB(RND_MUL(z, RND_SUB(RND_MUL(0.5, y), RND_MUL(v, r))), y),
      RND_MUL(v, FDL_S1)));
}

/* fdlibm's __kernel_cos on [-pi/4, pi/4]. */
DEVICE_FN double fdl_kcos(double x, double y) {
  int ix = fdl_hi(x) & 0x7fffffff;
  if (ix < 0x3e400000 && (int) x == 0) { /* |x| < 2^-27 */
    return 1.0;
  }
  double z = RND_MUL(x, x);
  double r = RND_MUL(z, RND_ADD(FDL_C1, RND_MUL(z, RND_ADD(FDL_C2, RND_MUL(z, RND_ADD(FDL_C3,
      RND_MUL(z, RND_ADD(FDL_C4, RND_MUL(z, RND_ADD(FDL_C5, RND_MUL(z, FDL_C6)))))))))));
  if (ix < 0x3FD33333) { /* |x| < 0.3 */
    return RND_SUB(1.0, RND_SUB(RND_MUL(0.5, z), RND_SUB(RND_MUL(z, r), RND_MUL(x, y))));
  }
  /* qx = x/4 truncated to its high word, or 0.28125 for |x| > 0.78125 */
  double qx = ix > 0x3fe90000 ? 0.28125
      : LONG_AS_DOUBLE((long) ((ulong) (uint) (ix - 0x00200000) << 32));
  double hz = RND_SUB(RND_MUL(0.5, z), qx);
  double a = RND_SUB(1.0, qx);
  return RND_SUB(a, RND_SUB(hz, RND_SUB(RND_MUL(z, r), RND_MUL(x, y))));
}

/* The high word of n pi / 2 for n = 1..4 (fdlibm's npio2_hw), where the quick reduction could
   cancel. */
DEVICE_FN int fdl_npio2_hw(int n) {
  return n == 1 ? 0x3FF921FB : n == 2 ? 0x400921FB : n == 3 ? 0x4012D97C : 0x401921FB;
}

/* fdlibm's __ieee754_rem_pio2 for x in (pi/4, 2 pi): x - n pi/2 = y0 + y1; returns n. */
DEVICE_FN int fdl_rem_pio2(double x, double* y0, double* y1) {
  int ix = fdl_hi(x) & 0x7fffffff;
  if (ix < 0x4002d97c) { /* |x| < 3pi/4: n = 1 */
    double z = RND_SUB(x, FDL_PIO2_1);
    if (ix != 0x3ff921fb) { /* 33 + 53 bits of pi are enough */
      *y0 = RND_SUB(z, FDL_PIO2_1T);
      *y1 = RND_SUB(RND_SUB(z, *y0), FDL_PIO2_1T);
    } else { /* near pi/2: 33 + 33 + 53 bits */
      z = RND_SUB(z, FDL_PIO2_2);
      *y0 = RND_SUB(z, FDL_PIO2_2T);
      *y1 = RND_SUB(RND_SUB(z, *y0), FDL_PIO2_2T);
    }
    return 1;
  }
  double t = x;
  int n = (int) RND_ADD(RND_MUL(t, FDL_INVPIO2), 0.5);
  double fn = (double) n;
  double r = RND_SUB(t, RND_MUL(fn, FDL_PIO2_1));
  double w = RND_MUL(fn, FDL_PIO2_1T); /* first round: good to 85 bits */
  double y = RND_SUB(r, w);
  if (ix == fdl_npio2_hw(n)) {
    int j = ix >> 20;
    int i = j - ((fdl_hi(y) >> 20) & 0x7ff);
    if (i > 16) { /* second round: good to 118 bits */
      t = r;
      w = RND_MUL(fn, FDL_PIO2_2);
      r = RND_SUB(t, w);
      w = RND_SUB(RND_MUL(fn, FDL_PIO2_2T), RND_SUB(RND_SUB(t, r), w));
      y = RND_SUB(r, w);
      i = j - ((fdl_hi(y) >> 20) & 0x7ff);
      if (i > 49) { /* third round: 151 bits */
        t = r;
        w = RND_MUL(fn, FDL_PIO2_3);
        r = RND_SUB(t, w);
        w = RND_SUB(RND_MUL(fn, FDL_PIO2_3T), RND_SUB(RND_SUB(t, r), w));
        y = RND_SUB(r, w);
      }
    }
  }
  *y0 = y;
  *y1 = RND_SUB(RND_SUB(r, y), w);
  return n;
}

/* fdlibm's sin (use_cos == 0) or cos of x in [0, 2 pi). */
DEVICE_FN double fdl_sin_cos(double x, int use_cos) {
  int ix = fdl_hi(x) & 0x7fffffff;
  if (ix <= 0x3fe921fb) { /* |x| <= pi/4 */
    return use_cos ? fdl_kcos(x, 0.0) : fdl_ksin(x, 0.0, 0);
  }
  double y0;
  double y1;
  /* cos(x) = sin(x + pi/2): cos takes sin's case for n + 1 */
  int q = (fdl_rem_pio2(x, &y0, &y1) + use_cos) & 3;
  double v = (q & 1) ? fdl_kcos(y0, y1) : fdl_ksin(y0, y1, 1);
  return (q & 2) ? -v : v;
}

/* Box-Muller: sqrt(-2 log u1) times cos or sin of 2 pi u2. */
DEVICE_FN double philox_box_muller(double u1, double u2, int use_cos) {
  double r = RND_SQRT(RND_MUL(-2.0, fdl_log(u1)));
  double t = RND_MUL(RND_TWO_PI, u2);
  return RND_MUL(r, fdl_sin_cos(t, use_cos));
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
