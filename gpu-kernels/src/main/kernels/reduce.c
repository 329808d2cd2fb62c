/*
 * Reductions, inclusive scans and softmax, the GPU side of Backend.reduce/scan/softmax. Every
 * result is the CPU backend's (CpuReduce) up to the order of float additions, and the order here
 * is fixed by the launch shape alone, so results never vary from run to run.
 *
 * Reductions (reduce_<op>_<src dtype>): src splits into kept dims (one output each) and reduced
 * dims (the "row" of an output), each coalesced on the Java side.
 *   meta: [nk, keptShape[nk], keptSrcStrides[nk], keptDstStrides[nk], nr, redShape[nr],
 *          redSrcStrides[nr]]
 * A work group handles slots = LOCAL_SIZE / lanes outputs with `lanes` work items each (lanes a
 * power of two). Lane l of an output reduces row positions l, l + lanes, l + 2 lanes, ... in
 * order, then the lanes combine in a fixed tree in local memory. columns != 0 puts neighbouring
 * work items on neighbouring outputs (for rows that are columns of memory: coalesced reads),
 * else on neighbouring row positions of one output.
 * Few long rows are reduced in two launches: the rows are cut into `chunks` pieces of `chunk`
 * positions, item o = c * kept + k (kept: the number of outputs) reduces piece c of output k
 * into dst[dst_off + offset(k) + c * kept] (a contiguous [chunks, kept] buffer of partials:
 * double for float32 sums and products, the "_part" kernels; the winning index for ARGMAX and
 * ARGMIN), and a second launch reduces the partials in order (the "_merge" kernels for ARGMAX
 * and ARGMIN, which read the winners' values from src again; "_f64_f32" for float32 sums and
 * products, which round the double total once into the float output). With chunks == 1 (one
 * launch) c is 0 and dst is the output itself.
 *   SUM/PROD: float32 and float64 accumulate in double; int64, int32 and bool in 64-bit
 *             wrapping integers (ulong, whose wrap is defined; the bits are Java's long).
 *             dst: float32, float64, int64.
 *   MAX/MIN:  Java's Math.max/min: NaN propagates, max(-0, +0) = +0, min(-0, +0) = -0.
 *             dst: src's dtype.
 *   ANY/ALL:  x != 0 (NaN counts as true). dst: bool.
 *   ARGMAX/ARGMIN: the index along the (one) reduced dim of the first NaN, else of the first
 *             maximum (minimum); -0 equals +0. dst: int64.
 * The Java side handles empty rows (fill with the identity, or an error for MAX/MIN/ARG*).
 *
 * Scans (scan_<src dtype>, SUM or PROD by `prod`): one work item per line along dim, sequential:
 * y_k = x_0 op ... op x_k, float32 accumulating in double (rounded at each store), integers and
 * bool in 64-bit wrapping integers (dst int64).
 *   meta: [nk, lineShape[nk], lineSrcStrides[nk], lineDstStrides[nk]] (the dims other than dim)
 *
 * Softmax (softmax_<dtype>), along a line of length len with strides ss (src), ds (dst); lines
 * laid out over work groups like reduction outputs (same meta as the scans):
 *   m = max_k x_k   (float32: NaN skipped, as FloatMath.max; float64: Math.max, NaN propagates)
 *   e_k = exp(x_k - m) in the dtype, s = sum_k e_k in double
 *   softmax: y_k = e_k * (T) (1 / s);  log_softmax: y_k = (x_k - m) - (T) log(s)
 * A line with a NaN gives NaN everywhere (through s), and one whose maximum is infinite gives
 * NaN (inf - inf), as in PyTorch and on the CPU.
 */
#include "ember_gpu.h"

/* The largest local size any launch uses (GpuBackend's local size is at most 256). */
#define RED_LOCAL 256

#define F32_NEG_INF INT_AS_FLOAT((int) 0xff800000)
#define F32_POS_INF INT_AS_FLOAT((int) 0x7f800000)
#define F64_NEG_INF LONG_AS_DOUBLE((long) 0xfff0000000000000UL)
#define F64_POS_INF LONG_AS_DOUBLE((long) 0x7ff0000000000000UL)
#define I64_MIN ((long) 0x8000000000000000UL)
#define I64_MAX ((long) 0x7fffffffffffffffUL)
#define I32_MIN ((int) 0x80000000U)
#define I32_MAX ((int) 0x7fffffffU)

/* The element offset of row position j: one multiply for a one-dim row (the common case). */
DEVICE_FN int red_offset(int j, int nd, GLOBAL const int* shape, GLOBAL const int* strides) {
  return nd == 1 ? j * strides[0] : ember_offset(j, nd, shape, strides);
}

/* ---------------------------------------------------------------- Java's Math.max / Math.min */

DEVICE_FN float jmax_f32(float a, float b) {
  if (a != a) return a;
  if (b != b) return b;
  if (a == 0.0f && b == 0.0f) return FLOAT_AS_INT(a) < 0 ? b : a;
  return a > b ? a : b;
}

DEVICE_FN float jmin_f32(float a, float b) {
  if (a != a) return a;
  if (b != b) return b;
  if (a == 0.0f && b == 0.0f) return FLOAT_AS_INT(a) < 0 ? a : b;
  return a < b ? a : b;
}

DEVICE_FN double jmax_f64(double a, double b) {
  if (a != a) return a;
  if (b != b) return b;
  if (a == 0.0 && b == 0.0) return DOUBLE_AS_LONG(a) < 0 ? b : a;
  return a > b ? a : b;
}

DEVICE_FN double jmin_f64(double a, double b) {
  if (a != a) return a;
  if (b != b) return b;
  if (a == 0.0 && b == 0.0) return DOUBLE_AS_LONG(a) < 0 ? a : b;
  return a < b ? a : b;
}

/* The float32 maximum of FloatMath.max and the softmax: NaN candidates are skipped. */
DEVICE_FN float gtmax_f32(float m, float v) {
  return v > m ? v : m;
}

#define IMAX(a, b) ((a) > (b) ? (a) : (b))
#define IMIN(a, b) ((a) < (b) ? (a) : (b))
#define ADD(a, b) ((a) + (b))
#define MUL(a, b) ((a) * (b))
#define OR(a, b) ((a) | (b))
#define AND(a, b) ((a) & (b))

/* ---------------------------------------------------------------- ARGMAX / ARGMIN order */

/*
 * Whether candidate (b, ib) beats the current (a, ia), both present: the first NaN wins, then
 * the strictly larger (smaller) value, then the smaller index. Any order of combining candidates
 * with this rule gives the CPU's sequential answer.
 */
#define EMBER_ARG_BETTER_FLOAT(SUF, T)                                                       \
  DEVICE_FN int argmax_better_##SUF(T b, int ib, T a, int ia) {                              \
    if (b != b) return a != a ? ib < ia : 1;                                                 \
    if (a != a) return 0;                                                                    \
    return b > a || (b == a && ib < ia);                                                     \
  }                                                                                          \
  DEVICE_FN int argmin_better_##SUF(T b, int ib, T a, int ia) {                              \
    if (b != b) return a != a ? ib < ia : 1;                                                 \
    if (a != a) return 0;                                                                    \
    return b < a || (b == a && ib < ia);                                                     \
  }

#define EMBER_ARG_BETTER_INT(SUF, T)                                                         \
  DEVICE_FN int argmax_better_##SUF(T b, int ib, T a, int ia) {                              \
    return b > a || (b == a && ib < ia);                                                     \
  }                                                                                          \
  DEVICE_FN int argmin_better_##SUF(T b, int ib, T a, int ia) {                              \
    return b < a || (b == a && ib < ia);                                                     \
  }

EMBER_ARG_BETTER_FLOAT(f32, float)
EMBER_ARG_BETTER_FLOAT(f64, double)
EMBER_ARG_BETTER_INT(i64, long)
EMBER_ARG_BETTER_INT(i32, int)
EMBER_ARG_BETTER_INT(b8, uchar)

/* ---------------------------------------------------------------- the group layout */

/*
 * Work item lid of a group of `slots` outputs with `lanes` items each: its slot (output within
 * the group) and lane. Its place in the group's local array is lid itself, and the partner `h`
 * lanes further is `h * step` places further. Items past slots * lanes, and slots past the last
 * output, are inactive but still reach every barrier.
 */
#define GROUP_LAYOUT(count)                                                                  \
  int lid = LOCAL_ID();                                                                      \
  int slots = LOCAL_SIZE() / lanes;                                                          \
  int slot = columns ? lid % slots : lid / lanes;                                            \
  int lane = columns ? lid / slots : lid % lanes;                                            \
  int step = columns ? slots : 1;                                                            \
  int o = GROUP_ID() * slots + slot;                                                         \
  int active = lid < slots * lanes && o < (count);                                           \
  int first = lid - lane * step; /* the place of lane 0 of this slot */

/* The fixed tree over the lanes of each slot: acc[first] ends as the combination of all. */
#define TREE(T, acc, COMBINE)                                                                \
  for (int h = lanes >> 1; h > 0; h >>= 1) {                                                 \
    if (active && lane < h) {                                                                \
      T u = acc[lid];                                                                        \
      T w = acc[lid + h * step];                                                             \
      acc[lid] = COMBINE(u, w);                                                              \
    }                                                                                        \
    BARRIER();                                                                               \
  }

/* ---------------------------------------------------------------- reduce */

#define EMBER_REDUCE(NAME, ST, DT, AT, INIT, LOAD, COMBINE, STORE)                           \
  KERNEL NAME(GLOBAL DT* dst, int dst_off, GLOBAL const ST* src, int src_off, int kept,      \
      int chunks, int chunk, int len, GLOBAL const int* meta, int lanes, int columns) {      \
    LOCAL_ARRAY(AT, acc, RED_LOCAL);                                                         \
    GROUP_LAYOUT(kept * chunks)                                                              \
    int nk = meta[0];                                                                        \
    int nr = meta[1 + 3 * nk];                                                               \
    GLOBAL const int* rshape = meta + 2 + 3 * nk;                                            \
    int c = o / kept;                                                                        \
    int k = o - c * kept;                                                                    \
    AT a = INIT;                                                                             \
    if (active) {                                                                            \
      int base = src_off + ember_offset(k, nk, meta + 1, meta + 1 + nk);                     \
      int end = len - c * chunk < chunk ? len : c * chunk + chunk;                           \
      for (int j = c * chunk + lane; j < end; j += lanes) {                                  \
        ST x = src[base + red_offset(j, nr, rshape, rshape + nr)];                           \
        a = COMBINE(a, LOAD(x));                                                             \
      }                                                                                      \
    }                                                                                        \
    acc[lid] = a;                                                                            \
    BARRIER();                                                                               \
    TREE(AT, acc, COMBINE)                                                                   \
    if (active && lane == 0) {                                                               \
      int d = dst_off + ember_offset(k, nk, meta + 1, meta + 1 + 2 * nk) + c * kept;         \
      dst[d] = STORE(acc[first]);                                                            \
    }                                                                                        \
  }

#define TO_DOUBLE(x) ((double) (x))
#define TO_ULONG(x) ((ulong) (x))
#define TO_FLOAT(x) ((float) (x))
#define TO_LONG(x) ((long) (x))
#define AS_IS(x) (x)
#define NONZERO(x) ((int) ((x) != 0))
#define TO_BOOL(x) ((uchar) (x))

EMBER_REDUCE(reduce_sum_f32, float, float, double, 0.0, TO_DOUBLE, ADD, TO_FLOAT)
EMBER_REDUCE(reduce_sum_f32_part, float, double, double, 0.0, TO_DOUBLE, ADD, AS_IS)
EMBER_REDUCE(reduce_sum_f64, double, double, double, 0.0, TO_DOUBLE, ADD, AS_IS)
/* The second pass of a long float32 sum: the double partials, rounded once into float. */
EMBER_REDUCE(reduce_sum_f64_f32, double, float, double, 0.0, TO_DOUBLE, ADD, TO_FLOAT)
EMBER_REDUCE(reduce_sum_i64, long, long, ulong, 0, TO_ULONG, ADD, TO_LONG)
EMBER_REDUCE(reduce_sum_i32, int, long, ulong, 0, TO_ULONG, ADD, TO_LONG)
EMBER_REDUCE(reduce_sum_b8, uchar, long, ulong, 0, TO_ULONG, ADD, TO_LONG)

EMBER_REDUCE(reduce_prod_f32, float, float, double, 1.0, TO_DOUBLE, MUL, TO_FLOAT)
EMBER_REDUCE(reduce_prod_f32_part, float, double, double, 1.0, TO_DOUBLE, MUL, AS_IS)
EMBER_REDUCE(reduce_prod_f64, double, double, double, 1.0, TO_DOUBLE, MUL, AS_IS)
EMBER_REDUCE(reduce_prod_f64_f32, double, float, double, 1.0, TO_DOUBLE, MUL, TO_FLOAT)
EMBER_REDUCE(reduce_prod_i64, long, long, ulong, 1, TO_ULONG, MUL, TO_LONG)
EMBER_REDUCE(reduce_prod_i32, int, long, ulong, 1, TO_ULONG, MUL, TO_LONG)
EMBER_REDUCE(reduce_prod_b8, uchar, long, ulong, 1, TO_ULONG, MUL, TO_LONG)

EMBER_REDUCE(reduce_max_f32, float, float, float, F32_NEG_INF, AS_IS, jmax_f32, AS_IS)
EMBER_REDUCE(reduce_max_f64, double, double, double, F64_NEG_INF, AS_IS, jmax_f64, AS_IS)
EMBER_REDUCE(reduce_max_i64, long, long, long, I64_MIN, AS_IS, IMAX, AS_IS)
EMBER_REDUCE(reduce_max_i32, int, int, int, I32_MIN, AS_IS, IMAX, AS_IS)
EMBER_REDUCE(reduce_max_b8, uchar, uchar, int, 0, NONZERO, IMAX, TO_BOOL)

EMBER_REDUCE(reduce_min_f32, float, float, float, F32_POS_INF, AS_IS, jmin_f32, AS_IS)
EMBER_REDUCE(reduce_min_f64, double, double, double, F64_POS_INF, AS_IS, jmin_f64, AS_IS)
EMBER_REDUCE(reduce_min_i64, long, long, long, I64_MAX, AS_IS, IMIN, AS_IS)
EMBER_REDUCE(reduce_min_i32, int, int, int, I32_MAX, AS_IS, IMIN, AS_IS)
EMBER_REDUCE(reduce_min_b8, uchar, uchar, int, 1, NONZERO, IMIN, TO_BOOL)

EMBER_REDUCE(reduce_any_f32, float, uchar, int, 0, NONZERO, OR, TO_BOOL)
EMBER_REDUCE(reduce_any_f64, double, uchar, int, 0, NONZERO, OR, TO_BOOL)
EMBER_REDUCE(reduce_any_i64, long, uchar, int, 0, NONZERO, OR, TO_BOOL)
EMBER_REDUCE(reduce_any_i32, int, uchar, int, 0, NONZERO, OR, TO_BOOL)
EMBER_REDUCE(reduce_any_b8, uchar, uchar, int, 0, NONZERO, OR, TO_BOOL)

EMBER_REDUCE(reduce_all_f32, float, uchar, int, 1, NONZERO, AND, TO_BOOL)
EMBER_REDUCE(reduce_all_f64, double, uchar, int, 1, NONZERO, AND, TO_BOOL)
EMBER_REDUCE(reduce_all_i64, long, uchar, int, 1, NONZERO, AND, TO_BOOL)
EMBER_REDUCE(reduce_all_i32, int, uchar, int, 1, NONZERO, AND, TO_BOOL)
EMBER_REDUCE(reduce_all_b8, uchar, uchar, int, 1, NONZERO, AND, TO_BOOL)

/*
 * ARGMAX/ARGMIN: (value, index) pairs; an index of -1 is a lane that saw no element. ARG_TREE
 * combines the lanes' pairs of each slot into val/idx[first].
 */
#define ARG_TREE(BETTER)                                                                     \
  val[lid] = v;                                                                              \
  idx[lid] = kk;                                                                             \
  BARRIER();                                                                                 \
  for (int h = lanes >> 1; h > 0; h >>= 1) {                                                 \
    if (active && lane < h) {                                                                \
      int p = lid + h * step;                                                                \
      int ip = idx[p];                                                                       \
      int iq = idx[lid];                                                                     \
      if (ip >= 0 && (iq < 0 || BETTER(val[p], ip, val[lid], iq))) {                         \
        val[lid] = val[p];                                                                   \
        idx[lid] = ip;                                                                       \
      }                                                                                      \
    }                                                                                        \
    BARRIER();                                                                               \
  }

/* The index of the best element of each piece of each row (chunks and dst as for EMBER_REDUCE). */
#define EMBER_ARGREDUCE(NAME, ST, BETTER)                                                    \
  KERNEL NAME(GLOBAL long* dst, int dst_off, GLOBAL const ST* src, int src_off, int kept,    \
      int chunks, int chunk, int len, GLOBAL const int* meta, int lanes, int columns) {      \
    LOCAL_ARRAY(ST, val, RED_LOCAL);                                                         \
    LOCAL_ARRAY(int, idx, RED_LOCAL);                                                        \
    GROUP_LAYOUT(kept * chunks)                                                              \
    int nk = meta[0];                                                                        \
    int nr = meta[1 + 3 * nk];                                                               \
    GLOBAL const int* rshape = meta + 2 + 3 * nk;                                            \
    int c = o / kept;                                                                        \
    int k = o - c * kept;                                                                    \
    ST v = 0;                                                                                \
    int kk = -1;                                                                             \
    if (active) {                                                                            \
      int base = src_off + ember_offset(k, nk, meta + 1, meta + 1 + nk);                     \
      int end = len - c * chunk < chunk ? len : c * chunk + chunk;                           \
      for (int j = c * chunk + lane; j < end; j += lanes) {                                  \
        ST x = src[base + red_offset(j, nr, rshape, rshape + nr)];                           \
        if (kk < 0 || BETTER(x, j, v, kk)) {                                                 \
          v = x;                                                                             \
          kk = j;                                                                            \
        }                                                                                    \
      }                                                                                      \
    }                                                                                        \
    ARG_TREE(BETTER)                                                                         \
    if (active && lane == 0) {                                                               \
      int d = dst_off + ember_offset(k, nk, meta + 1, meta + 1 + 2 * nk) + c * kept;         \
      dst[d] = (long) idx[first];                                                            \
    }                                                                                        \
  }

/*
 * The second launch of a two-launch ARGMAX/ARGMIN: output k picks the best of the pieces' winners
 * parts[parts_off + c * kept + k], reading their values from src again (meta as for the first).
 */
#define EMBER_ARGMERGE(NAME, ST, BETTER)                                                     \
  KERNEL NAME(GLOBAL long* dst, int dst_off, GLOBAL const ST* src, int src_off,              \
      GLOBAL const long* parts, int parts_off, int kept, int chunks, GLOBAL const int* meta, \
      int lanes, int columns) {                                                              \
    LOCAL_ARRAY(ST, val, RED_LOCAL);                                                         \
    LOCAL_ARRAY(int, idx, RED_LOCAL);                                                        \
    GROUP_LAYOUT(kept)                                                                       \
    int nk = meta[0];                                                                        \
    int nr = meta[1 + 3 * nk];                                                               \
    GLOBAL const int* rshape = meta + 2 + 3 * nk;                                            \
    ST v = 0;                                                                                \
    int kk = -1;                                                                             \
    if (active) {                                                                            \
      int base = src_off + ember_offset(o, nk, meta + 1, meta + 1 + nk);                     \
      for (int c = lane; c < chunks; c += lanes) {                                           \
        int j = (int) parts[parts_off + c * kept + o];                                       \
        ST x = src[base + red_offset(j, nr, rshape, rshape + nr)];                           \
        if (kk < 0 || BETTER(x, j, v, kk)) {                                                 \
          v = x;                                                                             \
          kk = j;                                                                            \
        }                                                                                    \
      }                                                                                      \
    }                                                                                        \
    ARG_TREE(BETTER)                                                                         \
    if (active && lane == 0) {                                                               \
      dst[dst_off + ember_offset(o, nk, meta + 1, meta + 1 + 2 * nk)] = (long) idx[first];   \
    }                                                                                        \
  }

EMBER_ARGREDUCE(reduce_argmax_f32, float, argmax_better_f32)
EMBER_ARGREDUCE(reduce_argmax_f64, double, argmax_better_f64)
EMBER_ARGREDUCE(reduce_argmax_i64, long, argmax_better_i64)
EMBER_ARGREDUCE(reduce_argmax_i32, int, argmax_better_i32)
EMBER_ARGREDUCE(reduce_argmax_b8, uchar, argmax_better_b8)
EMBER_ARGREDUCE(reduce_argmin_f32, float, argmin_better_f32)
EMBER_ARGREDUCE(reduce_argmin_f64, double, argmin_better_f64)
EMBER_ARGREDUCE(reduce_argmin_i64, long, argmin_better_i64)
EMBER_ARGREDUCE(reduce_argmin_i32, int, argmin_better_i32)
EMBER_ARGREDUCE(reduce_argmin_b8, uchar, argmin_better_b8)
EMBER_ARGMERGE(reduce_argmax_f32_merge, float, argmax_better_f32)
EMBER_ARGMERGE(reduce_argmax_f64_merge, double, argmax_better_f64)
EMBER_ARGMERGE(reduce_argmax_i64_merge, long, argmax_better_i64)
EMBER_ARGMERGE(reduce_argmax_i32_merge, int, argmax_better_i32)
EMBER_ARGMERGE(reduce_argmax_b8_merge, uchar, argmax_better_b8)
EMBER_ARGMERGE(reduce_argmin_f32_merge, float, argmin_better_f32)
EMBER_ARGMERGE(reduce_argmin_f64_merge, double, argmin_better_f64)
EMBER_ARGMERGE(reduce_argmin_i64_merge, long, argmin_better_i64)
EMBER_ARGMERGE(reduce_argmin_i32_merge, int, argmin_better_i32)
EMBER_ARGMERGE(reduce_argmin_b8_merge, uchar, argmin_better_b8)

/* ---------------------------------------------------------------- scan */

#define EMBER_SCAN(SUF, ST, DT, AT, STORE)                                                   \
  KERNEL scan_##SUF(GLOBAL DT* dst, int dst_off, GLOBAL const ST* src, int src_off,          \
      int lines, int len, int ss, int ds, GLOBAL const int* meta, int prod) {                \
    int i = GLOBAL_ID();                                                                     \
    if (i >= lines) return;                                                                  \
    int nk = meta[0];                                                                        \
    int sb = src_off + ember_offset(i, nk, meta + 1, meta + 1 + nk);                         \
    int db = dst_off + ember_offset(i, nk, meta + 1, meta + 1 + 2 * nk);                     \
    AT c = (AT) (prod ? 1 : 0);                                                              \
    for (int k = 0; k < len; k++) {                                                          \
      AT x = (AT) src[sb + k * ss];                                                          \
      c = prod ? c * x : c + x;                                                              \
      dst[db + k * ds] = STORE(c);                                                           \
    }                                                                                        \
  }

EMBER_SCAN(f32, float, float, double, TO_FLOAT)
EMBER_SCAN(f64, double, double, double, AS_IS)
EMBER_SCAN(i64, long, long, ulong, TO_LONG)
EMBER_SCAN(i32, int, long, ulong, TO_LONG)
EMBER_SCAN(b8, uchar, long, ulong, TO_LONG)

/* ---------------------------------------------------------------- softmax */

/* MAXOP: the line maximum's rule for the dtype (see the header comment). */
#define EMBER_SOFTMAX(SUF, T, NEG_INF, MAXOP)                                                \
  KERNEL softmax_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const T* src, int src_off,         \
      int lines, int len, int ss, int ds, GLOBAL const int* meta, int lanes, int columns,    \
      int log_softmax) {                                                                     \
    /* double holds float32 maxima exactly, so one array serves both passes. */              \
    LOCAL_ARRAY(double, acc, RED_LOCAL);                                                     \
    GROUP_LAYOUT(lines)                                                                      \
    int nk = meta[0];                                                                        \
    int sb = 0;                                                                              \
    int db = 0;                                                                              \
    if (active) {                                                                            \
      sb = src_off + ember_offset(o, nk, meta + 1, meta + 1 + nk);                           \
      db = dst_off + ember_offset(o, nk, meta + 1, meta + 1 + 2 * nk);                       \
    }                                                                                        \
    T m = NEG_INF;                                                                           \
    if (active) {                                                                            \
      for (int k = lane; k < len; k += lanes) {                                              \
        m = MAXOP(m, src[sb + k * ss]);                                                      \
      }                                                                                      \
    }                                                                                        \
    acc[lid] = (double) m;                                                                   \
    BARRIER();                                                                               \
    for (int h = lanes >> 1; h > 0; h >>= 1) {                                               \
      if (active && lane < h) {                                                              \
        acc[lid] = (double) MAXOP((T) acc[lid], (T) acc[lid + h * step]);                    \
      }                                                                                      \
      BARRIER();                                                                             \
    }                                                                                        \
    m = (T) acc[first];                                                                      \
    BARRIER(); /* every lane has read the maximum before acc is reused */                    \
    double s = 0.0;                                                                          \
    if (active) {                                                                            \
      for (int k = lane; k < len; k += lanes) {                                              \
        T e = exp(src[sb + k * ss] - m);                                                     \
        if (!log_softmax) dst[db + k * ds] = e;                                              \
        s += (double) e;                                                                     \
      }                                                                                      \
    }                                                                                        \
    acc[lid] = s;                                                                            \
    BARRIER();                                                                               \
    TREE(double, acc, ADD)                                                                   \
    s = acc[first];                                                                          \
    if (active) {                                                                            \
      if (log_softmax) {                                                                     \
        T l = (T) log(s);                                                                    \
        for (int k = lane; k < len; k += lanes) {                                            \
          dst[db + k * ds] = (src[sb + k * ss] - m) - l;                                     \
        }                                                                                    \
      } else {                                                                               \
        T inv = (T) (1.0 / s);                                                               \
        for (int k = lane; k < len; k += lanes) {                                            \
          dst[db + k * ds] = dst[db + k * ds] * inv;                                         \
        }                                                                                    \
      }                                                                                      \
    }                                                                                        \
  }

EMBER_SOFTMAX(f32, float, F32_NEG_INF, gtmax_f32)
EMBER_SOFTMAX(f64, double, F64_NEG_INF, jmax_f64)
