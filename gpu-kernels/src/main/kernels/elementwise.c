/*
 * Elementwise primitives: unary ops, binary ops, comparisons, logical ops and where, over strided
 * operands with broadcasting (stride 0) and negative strides. One work item per output element;
 * one kernel per (family, dtype), the op chosen by an int code (a switch on a uniform value).
 *
 * The math is the CPU backend's (tensor-engine's CpuElementwise), dtype by dtype (the float
 * helpers are in ember_math.h, which matmul.c's activation epilogues share):
 *  - float32 computes in float and float64 in double (except the activations' backward ops,
 *    double for both, as on the CPU), with the CPU's formulas: sigmoid
 *    1 / (1 + e^-x), silu x / (1 + e^-x), gelu 0.5 x (1 + erf(x / sqrt 2)) with W. J. Cody's
 *    rational erf, softplus log1p(e^(b x)) / b or x where b x > threshold. Where the float form
 *    of a formula cancels (1 + erf(z) and 1 + tanh(u) for large negative arguments, e^(b x)
 *    overflowing in softplus) the float32 kernel uses an equal form that does not: 0.5 x
 *    erfc(-z), x / (1 + e^(-2u)), max(b x, 0) + log1p(e^(-|b x|)). (The CPU rounds a double
 *    result to float there; these keep float32 within a few ulps of it.)
 *  - pow, maximum, minimum and relu follow Java's Math (the CPU's): pow(x, NaN) and pow(+-1,
 *    +-inf) are NaN, maximum/minimum propagate NaN and order -0 < +0, relu keeps NaN.
 *  - int64, int32 and bool compute in 64-bit integers (wrapping) and store as the dtype does
 *    (int32 truncates, bool is r != 0), as the CPU's int64 compute type.
 *
 * Op codes are GpuElementwise's (the order of dev.ember.backend.UnaryOp and BinaryOp).
 * meta: [nd, shape[nd], strides of each operand[nd]] in the order of the kernel's tensor
 * arguments (dst first); contiguous != 0 means every operand is contiguous (strides ignored).
 */
#include "ember_gpu.h"
#include "ember_math.h"

/* UnaryOp */
#define U_NEG 0
#define U_ABS 1
#define U_SIGN 2
#define U_EXP 3
#define U_LOG 4
#define U_LOG1P 5
#define U_EXPM1 6
#define U_SQRT 7
#define U_RSQRT 8
#define U_RECIPROCAL 9
#define U_SIN 10
#define U_COS 11
#define U_TANH 12
#define U_SIGMOID 13
#define U_RELU 14
#define U_LEAKY_RELU 15
#define U_GELU 16
#define U_GELU_TANH 17
#define U_SILU 18
#define U_SOFTPLUS 19
#define U_ERF 20
#define U_CLAMP 21
#define U_POW_SCALAR 22
#define U_FLOOR 23
#define U_CEIL 24
#define U_ROUND 25
#define U_LOGICAL_NOT 26
#define U_ISNAN 27
#define U_ISINF 28

/* BinaryOp */
#define B_ADD 0
#define B_SUB 1
#define B_MUL 2
#define B_DIV 3
#define B_POW 4
#define B_MAXIMUM 5
#define B_MINIMUM 6
#define B_RELU_GRAD 7
#define B_EQ 8
#define B_NE 9
#define B_LT 10
#define B_LE 11
#define B_GT 12
#define B_GE 13
#define B_LOGICAL_AND 14
#define B_LOGICAL_OR 15
#define B_LOGICAL_XOR 16
#define B_GELU_GRAD 17
#define B_GELU_TANH_GRAD 18
#define B_SILU_GRAD 19

/* The element offset of operand k (1 = dst, 2.. the inputs, in meta's order) of work item i;
   needs i, nd, meta and contiguous in scope. */
#define EMBER_AT(k) (contiguous ? i : ember_offset(i, nd, meta + 1, meta + 1 + (k) * nd))

/* ------------------------------------------------------------------ float kernels */

#define EMBER_FLOAT_KERNELS(SUF, T)                                                          \
  DEVICE_FN T unary_op_##SUF(int op, T x, T p0, T p1) {                                      \
    switch (op) {                                                                            \
      case U_NEG: return -x;                                                                 \
      case U_ABS: return fabs(x);                                                            \
      case U_SIGN: return (T) ((x > (T) 0 ? 1 : 0) - (x < (T) 0 ? 1 : 0));                  \
      case U_EXP: return exp(x);                                                             \
      case U_LOG: return log(x);                                                             \
      case U_LOG1P: return log1p(x);                                                         \
      case U_EXPM1: return expm1(x);                                                         \
      case U_SQRT: return sqrt(x);                                                           \
      case U_RSQRT: return (T) 1 / sqrt(x);                                                  \
      case U_RECIPROCAL: return (T) 1 / x;                                                   \
      case U_SIN: return sin(x);                                                             \
      case U_COS: return cos(x);                                                             \
      case U_TANH: return tanh_##SUF(x);                                                     \
      case U_SIGMOID: return (T) 1 / ((T) 1 + exp(-x));                                      \
      case U_RELU: return relu_##SUF(x);                                                     \
      case U_LEAKY_RELU: return x >= (T) 0 ? x : p0 * x;                                     \
      case U_GELU: return gelu_##SUF(x);                                                     \
      case U_GELU_TANH: return gelu_tanh_##SUF(x);                                           \
      case U_SILU: return silu_##SUF(x);                                                     \
      case U_SOFTPLUS: return softplus_##SUF(x, p0, p1);                                     \
      case U_ERF: return erf_##SUF(x);                                                       \
      case U_CLAMP: {                                                                        \
        /* comparisons, so that a NaN x stays NaN (the host made NaN bounds infinite) */     \
        T v = x < p0 ? p0 : x;                                                               \
        return v > p1 ? p1 : v;                                                              \
      }                                                                                      \
      case U_POW_SCALAR:                                                                     \
        /* the CPU's shortcuts for the exponents 2, 1 and 0 */                             \
        if (p0 == (T) 2) return x * x;                                                       \
        if (p0 == (T) 1) return x;                                                           \
        if (p0 == (T) 0) return (T) 1;                                                       \
        return pow_##SUF(x, p0);                                                             \
      case U_FLOOR: return floor(x);                                                         \
      case U_CEIL: return ceil(x);                                                           \
      case U_ROUND: return rint(x);                                                          \
      default: return x - x + (T) NAN; /* not a float op: the host never sends it */        \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  KERNEL unary_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const T* src, int src_off, int n,    \
      int op, T p0, T p1, GLOBAL const int* meta, int contiguous) {                          \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int nd = meta[0];                                                                        \
    T x = src[src_off + EMBER_AT(2)];                                                        \
    dst[dst_off + EMBER_AT(1)] = unary_op_##SUF(op, x, p0, p1);                              \
  }                                                                                          \
                                                                                             \
  DEVICE_FN T binary_op_##SUF(int op, T a, T b) {                                            \
    switch (op) {                                                                            \
      case B_ADD: return a + b;                                                              \
      case B_SUB: return a - b;                                                              \
      case B_MUL: return a * b;                                                              \
      case B_DIV: return a / b;                                                              \
      case B_POW: return pow_##SUF(a, b);                                                    \
      case B_MAXIMUM: return max_##SUF(a, b);                                                \
      case B_MINIMUM: return min_##SUF(a, b);                                                \
      case B_RELU_GRAD: return b <= (T) 0 ? (T) 0 : a;                                       \
      /* the activations' backward: in double for both dtypes, as the CPU computes them */   \
      case B_GELU_GRAD: return (T) ((double) a * gelu_grad_f64((double) b));                 \
      case B_GELU_TANH_GRAD: return (T) ((double) a * gelu_tanh_grad_f64((double) b));       \
      case B_SILU_GRAD: return (T) ((double) a * silu_grad_f64((double) b));                 \
      default: return a - a + (T) NAN; /* not an arithmetic op: the host never sends it */  \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  KERNEL binary_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const T* a, int a_off,              \
      GLOBAL const T* b, int b_off, int n, int op, GLOBAL const int* meta, int contiguous) { \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int nd = meta[0];                                                                        \
    T x = a[a_off + EMBER_AT(2)];                                                            \
    T y = b[b_off + EMBER_AT(3)];                                                            \
    dst[dst_off + EMBER_AT(1)] = binary_op_##SUF(op, x, y);                                  \
  }

EMBER_FLOAT_KERNELS(f32, float)
EMBER_FLOAT_KERNELS(f64, double)

/* ------------------------------------------------------------------ integer and bool kernels */

/* base^e in wrapping 64-bit arithmetic, by squaring (e >= 0). */
DEVICE_FN long ipow(long base, long e) {
  ulong r = 1;
  ulong b = (ulong) base;
  ulong k = (ulong) e;
  while (k != 0) {
    if (k & 1) r *= b;
    b *= b;
    k >>= 1;
  }
  return (long) r;
}

DEVICE_FN long join64(int lo, int hi) {
  return (long) (((ulong) (uint) hi << 32) | (ulong) (uint) lo);
}

/* Wrapping negation (C's signed overflow is undefined; the CPU's Java wraps). */
DEVICE_FN long ineg(long x) {
  return (long) ((ulong) 0 - (ulong) x);
}

DEVICE_FN long iunary_op(int op, long x, long p0, long p1) {
  switch (op) {
    case U_NEG: return ineg(x);
    case U_ABS: return x < 0 ? ineg(x) : x;
    case U_SIGN: return (long) ((x > 0 ? 1 : 0) - (x < 0 ? 1 : 0));
    case U_RELU: return x > 0 ? x : 0;
    case U_CLAMP: {
      long v = x < p0 ? p0 : x;
      return v > p1 ? p1 : v;
    }
    case U_POW_SCALAR: return ipow(x, p0);
    default: return x; /* FLOOR, CEIL, ROUND: the identity on integers */
  }
}

DEVICE_FN long ibinary_op(int op, long a, long b) {
  switch (op) {
    case B_ADD: return (long) ((ulong) a + (ulong) b);
    case B_SUB: return (long) ((ulong) a - (ulong) b);
    case B_MUL: return (long) ((ulong) a * (ulong) b);
    case B_POW: return ipow(a, b); /* bool only (0/1); int64/int32 run pow_<dtype> */
    case B_MAXIMUM: return a > b ? a : b;
    case B_MINIMUM: return a < b ? a : b;
    case B_RELU_GRAD: return b <= 0 ? 0 : a;
    default: return 0; /* DIV and the bool-valued ops: the host never sends them */
  }
}

/* STORE(r) converts the 64-bit result to the dtype: int32 truncates, bool is r != 0.
   Scalars p0/p1 (clamp bounds, the exponent) come as 64-bit (lo, hi) int pairs. */
#define EMBER_INT_KERNELS(SUF, T, STORE)                                                     \
  KERNEL unary_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const T* src, int src_off, int n,    \
      int op, int p0lo, int p0hi, int p1lo, int p1hi, GLOBAL const int* meta,                \
      int contiguous) {                                                                      \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int nd = meta[0];                                                                        \
    long x = (long) src[src_off + EMBER_AT(2)];                                              \
    long r = iunary_op(op, x, join64(p0lo, p0hi), join64(p1lo, p1hi));                       \
    dst[dst_off + EMBER_AT(1)] = STORE(r);                                                   \
  }                                                                                          \
                                                                                             \
  KERNEL binary_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const T* a, int a_off,              \
      GLOBAL const T* b, int b_off, int n, int op, GLOBAL const int* meta, int contiguous) { \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int nd = meta[0];                                                                        \
    long x = (long) a[a_off + EMBER_AT(2)];                                                  \
    long y = (long) b[b_off + EMBER_AT(3)];                                                  \
    dst[dst_off + EMBER_AT(1)] = STORE(ibinary_op(op, x, y));                                \
  }

#define EMBER_STORE_I64(r) (r)
#define EMBER_STORE_I32(r) ((int) (r))
#define EMBER_STORE_B8(r) ((uchar) ((r) != 0))

EMBER_INT_KERNELS(i64, long, EMBER_STORE_I64)
EMBER_INT_KERNELS(i32, int, EMBER_STORE_I32)
EMBER_INT_KERNELS(b8, uchar, EMBER_STORE_B8)

/* Integer pow, whose negative exponents are an error: such an element sets *flag (every writer
   writes 1, so the race is benign) and the host throws after the launch. */
#define EMBER_IPOW_KERNEL(SUF, T, STORE)                                                     \
  KERNEL pow_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const T* a, int a_off,                 \
      GLOBAL const T* b, int b_off, int n, GLOBAL int* flag, int flag_off,                   \
      GLOBAL const int* meta, int contiguous) {                                              \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int nd = meta[0];                                                                        \
    long x = (long) a[a_off + EMBER_AT(2)];                                                  \
    long e = (long) b[b_off + EMBER_AT(3)];                                                  \
    if (e < 0) {                                                                             \
      flag[flag_off] = 1;                                                                    \
      e = 0;                                                                                 \
    }                                                                                        \
    dst[dst_off + EMBER_AT(1)] = STORE(ipow(x, e));                                          \
  }

EMBER_IPOW_KERNEL(i64, long, EMBER_STORE_I64)
EMBER_IPOW_KERNEL(i32, int, EMBER_STORE_I32)

/* ------------------------------------------------------------------ bool-valued kernels */

/*
 * unary_bool: LOGICAL_NOT, ISNAN, ISINF of any dtype; compare: EQ .. GE in the operands' dtype;
 * logical: AND, OR, XOR of nonzero-ness (NaN is nonzero, as a cast to bool). NZ(x) is x != 0
 * for the dtype, IS_NAN/IS_INF are 0 for integers.
 */
#define EMBER_BOOL_KERNELS(SUF, T, NZ, IS_NAN, IS_INF)                                       \
  KERNEL unary_bool_##SUF(GLOBAL uchar* dst, int dst_off, GLOBAL const T* src, int src_off,  \
      int n, int op, GLOBAL const int* meta, int contiguous) {                               \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int nd = meta[0];                                                                        \
    T x = src[src_off + EMBER_AT(2)];                                                        \
    int r = op == U_ISNAN ? IS_NAN(x) : op == U_ISINF ? IS_INF(x) : !NZ(x);                  \
    dst[dst_off + EMBER_AT(1)] = (uchar) (r != 0);                                           \
  }                                                                                          \
                                                                                             \
  KERNEL compare_##SUF(GLOBAL uchar* dst, int dst_off, GLOBAL const T* a, int a_off,         \
      GLOBAL const T* b, int b_off, int n, int op, GLOBAL const int* meta, int contiguous) { \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int nd = meta[0];                                                                        \
    T x = a[a_off + EMBER_AT(2)];                                                            \
    T y = b[b_off + EMBER_AT(3)];                                                            \
    int r;                                                                                   \
    switch (op) {                                                                            \
      case B_EQ: r = x == y; break;                                                          \
      case B_NE: r = x != y; break;                                                          \
      case B_LT: r = x < y; break;                                                           \
      case B_LE: r = x <= y; break;                                                          \
      case B_GT: r = x > y; break;                                                           \
      default: r = x >= y; break; /* B_GE */                                                 \
    }                                                                                        \
    dst[dst_off + EMBER_AT(1)] = (uchar) r;                                                  \
  }                                                                                          \
                                                                                             \
  KERNEL logical_##SUF(GLOBAL uchar* dst, int dst_off, GLOBAL const T* a, int a_off,         \
      GLOBAL const T* b, int b_off, int n, int op, GLOBAL const int* meta, int contiguous) { \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int nd = meta[0];                                                                        \
    int x = NZ(a[a_off + EMBER_AT(2)]) ? 1 : 0;                                              \
    int y = NZ(b[b_off + EMBER_AT(3)]) ? 1 : 0;                                              \
    int r = op == B_LOGICAL_AND ? (x & y) : op == B_LOGICAL_OR ? (x | y) : (x ^ y);          \
    dst[dst_off + EMBER_AT(1)] = (uchar) r;                                                  \
  }

#define EMBER_NZ_FLOAT(x) ((x) != 0 || (x) != (x))
#define EMBER_NZ_INT(x) ((x) != 0)
#define EMBER_ISNAN_FLOAT(x) ((x) != (x))
#define EMBER_ISINF_FLOAT(x) ((x) == (x) && ((x) - (x)) != ((x) - (x)))
#define EMBER_FALSE(x) 0

EMBER_BOOL_KERNELS(f32, float, EMBER_NZ_FLOAT, EMBER_ISNAN_FLOAT, EMBER_ISINF_FLOAT)
EMBER_BOOL_KERNELS(f64, double, EMBER_NZ_FLOAT, EMBER_ISNAN_FLOAT, EMBER_ISINF_FLOAT)
EMBER_BOOL_KERNELS(i64, long, EMBER_NZ_INT, EMBER_FALSE, EMBER_FALSE)
EMBER_BOOL_KERNELS(i32, int, EMBER_NZ_INT, EMBER_FALSE, EMBER_FALSE)
EMBER_BOOL_KERNELS(b8, uchar, EMBER_NZ_INT, EMBER_FALSE, EMBER_FALSE)

/* ------------------------------------------------------------------ where */

#define EMBER_WHERE(SUF, T)                                                                  \
  KERNEL where_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const uchar* cond, int cond_off,     \
      GLOBAL const T* a, int a_off, GLOBAL const T* b, int b_off, int n,                     \
      GLOBAL const int* meta, int contiguous) {                                              \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int nd = meta[0];                                                                        \
    T v = cond[cond_off + EMBER_AT(2)] != 0 ? a[a_off + EMBER_AT(3)] : b[b_off + EMBER_AT(4)]; \
    dst[dst_off + EMBER_AT(1)] = v;                                                          \
  }

EMBER_WHERE(f32, float)
EMBER_WHERE(f64, double)
EMBER_WHERE(i64, long)
EMBER_WHERE(i32, int)
EMBER_WHERE(b8, uchar)

/* relu_grad_colsum: one work item per column c of (rows, cols) g and y: gz[r, c] = y[r, c] <= 0 ?
   0 : g[r, c] (binary_*'s relu gradient) for every row r, and sums[c] = gz[0, c] + gz[1, c] + ...
   in row order: a Linear + ReLU layer's gradient before its GEMMs and its bias gradient in one
   pass. gz is contiguous; g and y have any strides. */
#define EMBER_RELU_GRAD_COLSUM(SUF, T)                                                       \
  KERNEL relu_grad_colsum_##SUF(GLOBAL T* gz, int gz_off, GLOBAL T* sums, int s_off,         \
      GLOBAL const T* g, int g_off, int gs0, int gs1, GLOBAL const T* y, int y_off, int ys0,  \
      int ys1, int rows, int cols) {                                                         \
    int c = GLOBAL_ID();                                                                     \
    if (c >= cols) return;                                                                   \
    T s = (T) 0;                                                                             \
    for (int r = 0; r < rows; r++) {                                                         \
      T v = y[y_off + r * ys0 + c * ys1] <= (T) 0 ? (T) 0 : g[g_off + r * gs0 + c * gs1];    \
      gz[gz_off + r * cols + c] = v;                                                         \
      s += v;                                                                                \
    }                                                                                        \
    sums[s_off + c] = s;                                                                     \
  }

EMBER_RELU_GRAD_COLSUM(f32, float)
EMBER_RELU_GRAD_COLSUM(f64, double)

