/*
 * Fills and strided copies with a cast, for every pair of Ember dtypes. dtype suffixes: f32
 * (float), f64 (double), i64 (long), i32 (int), b8 (uchar 0/1 for bool).
 *
 * meta for fill: [nd, shape[nd], dstStrides[nd]]; for copy: [nd, shape[nd], dstStrides[nd],
 * srcStrides[nd]]. contiguous != 0 means every operand is contiguous (strides ignored).
 */
#include "ember_gpu.h"

/* VALUE_ARGS/VALUE: scalars travel as int, float or double only (Aparapi's binding sets no other
   scalar type), so a long fill value comes as two 32-bit halves and a bool one as an int. */
#define EMBER_FILL(SUF, T, VALUE_ARGS, VALUE)                                                \
  KERNEL fill_##SUF(GLOBAL T* dst, int dst_off, int n, VALUE_ARGS, GLOBAL const int* meta,   \
      int contiguous) {                                                                      \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int nd = meta[0];                                                                        \
    int o = contiguous ? i : ember_offset(i, nd, meta + 1, meta + 1 + nd);                   \
    dst[dst_off + o] = VALUE;                                                                \
  }

EMBER_FILL(f32, float, float value, value)
EMBER_FILL(f64, double, double value, value)
EMBER_FILL(i32, int, int value, value)
EMBER_FILL(b8, uchar, int value, (uchar) (value != 0))

KERNEL fill_i64(GLOBAL long* dst, int dst_off, int n, int lo, int hi, GLOBAL const int* meta,
    int contiguous) {
  int i = GLOBAL_ID();
  if (i >= n) return;
  int nd = meta[0];
  int o = contiguous ? i : ember_offset(i, nd, meta + 1, meta + 1 + nd);
  dst[dst_off + o] = (long) (((ulong) (uint) hi << 32) | (ulong) (uint) lo);
}

/* CONV(x) converts a source value to the destination type as Java's casts do for finite, in-range
   values; to bool: x != 0 (NaN is true, as in PyTorch). */
#define EMBER_COPY(SS, ST, DS, DT, CONV)                                                     \
  KERNEL copy_##SS##_##DS(GLOBAL DT* dst, int dst_off, GLOBAL const ST* src, int src_off,    \
      int n, GLOBAL const int* meta, int contiguous) {                                       \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int nd = meta[0];                                                                        \
    int od = contiguous ? i : ember_offset(i, nd, meta + 1, meta + 1 + nd);                  \
    int os = contiguous ? i : ember_offset(i, nd, meta + 1, meta + 1 + 2 * nd);              \
    ST x = src[src_off + os];                                                                \
    dst[dst_off + od] = CONV;                                                                \
  }

#define EMBER_COPY_TO(DS, DT)                                                                \
  EMBER_COPY(f32, float, DS, DT, (DT) x)                                                     \
  EMBER_COPY(f64, double, DS, DT, (DT) x)                                                    \
  EMBER_COPY(i64, long, DS, DT, (DT) x)                                                      \
  EMBER_COPY(i32, int, DS, DT, (DT) x)                                                       \
  EMBER_COPY(b8, uchar, DS, DT, (DT) x)

EMBER_COPY_TO(f32, float)
EMBER_COPY_TO(f64, double)
EMBER_COPY_TO(i64, long)
EMBER_COPY_TO(i32, int)
EMBER_COPY(f32, float, b8, uchar, (uchar) (x != 0.0f || x != x))
EMBER_COPY(f64, double, b8, uchar, (uchar) (x != 0.0 || x != x))
EMBER_COPY(i64, long, b8, uchar, (uchar) (x != 0))
EMBER_COPY(i32, int, b8, uchar, (uchar) (x != 0))
EMBER_COPY(b8, uchar, b8, uchar, x)
