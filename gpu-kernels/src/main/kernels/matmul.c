/*
 * Batched GEMM: c[b] = alpha * a[b] @ bm[b] + beta * c[b], with a (B, M, K), bm (B, K, N) and
 * c (B, M, N) of any strides (transposed views, batch stride 0 for a broadcast operand).
 *
 * Tiling: a work group of 256 work items computes one (16 R) x (16 R) tile of c, R = 1 (mm1_*, for
 * small products), R = 4 (mm4_*) or, float32 only, R = 8 (mm8_f32, for products large enough to
 * fill a big GPU with 128 x 128 tiles: 64 accumulators per work item, twice the multiply-adds per
 * local-memory read of R = 4). Work item (tr, tc) = (id / 16, id % 16) accumulates, in
 * registers, the R x R outputs at rows tr + 16 i and columns tc + 16 j of the tile (interleaved so
 * that the 16 work items of a row read consecutive local-memory words and store to consecutive
 * columns). float32 uses another layout for R = 4 and 8: rows 4 tr + i, and for R = 8 also
 * 64 + 4 tr + i (i < 4), and the same columns of tc, so that each step reads a work item's
 * values of each tile as float4 (for R = 8, 4 local-memory reads for 64 multiply-adds instead of
 * 16; the 8 work items of a quarter warp read 32 consecutive words of bs: no bank conflict).
 * K advances in chunks of 16: the group stages the (16 R) x 16 slice of a and the 16 x (16 R)
 * slice of bm in local memory, each work item loading R elements of each, in an order chosen by
 * the host so that consecutive work items read consecutive addresses of the operand (a_kfast:
 * a's K stride is the unit one; b_nfast: bm's N stride is). 1-D launch: group g is (batch, tile
 * row, tile column) = (g / (tm * tn), g / tn % tm, g % tn).
 *
 * meta: [B, M, N, K, a batch/row/col strides, bm batch/row/col strides, c batch/row/col strides,
 * tm, tn, a_kfast, b_nfast, (addend strides, mma only), ksplit, act]. act (float types) applies
 * an activation as each value is stored (EMBER_ACT_*: 1 relu, max(c, 0) with NaN kept; 2 gelu;
 * 3 gelu with the tanh approximation; 4 silu; elementwise.c's formulas): a Linear and its
 * activation in one launch. ksplit > 0
 * splits K instead (one product, few tiles, long K): "batch" s then takes K from s * ksplit on,
 * for at most ksplit, writing its partial product to c's batch s; the host sums the partials
 * (and applies the activation, if any, after the sum). K is passed
 * as 0 when alpha is 0 (a and bm are then not read: c becomes beta * c). When beta is 0, c is
 * only written (NaN in it does not propagate).
 *
 * Floating types accumulate in their own type; integer ones in 64-bit unsigned arithmetic (the
 * CPU backend's wrapping int64 products), alpha and beta then travelling as (lo, hi) int pairs.
 */
#include "ember_gpu.h"
#include "ember_math.h"

/* Activation codes of meta[21] (GpuMatmul.actCode). */
#define EMBER_ACT_RELU 1
#define EMBER_ACT_GELU 2
#define EMBER_ACT_GELU_TANH 3
#define EMBER_ACT_SILU 4

#define EMBER_MM_ACT_FN(SUF, T)                                                               \
  DEVICE_FN T mm_act_##SUF(int act, T x) {                                                    \
    switch (act) {                                                                            \
      case EMBER_ACT_RELU: return relu_##SUF(x);                                              \
      case EMBER_ACT_GELU: return gelu_##SUF(x);                                              \
      case EMBER_ACT_GELU_TANH: return gelu_tanh_##SUF(x);                                    \
      case EMBER_ACT_SILU: return silu_##SUF(x);                                              \
      default: return x;                                                                      \
    }                                                                                         \
  }
EMBER_MM_ACT_FN(f32, float)
EMBER_MM_ACT_FN(f64, double)

/* The epilogue's activation of a stored value v, in the kernel's float type. Integer kernels
   compile the call too (one body serves every type) but never make it: the host refuses an
   activation for them. */
#define EMBER_MM_ACT(v)                                                                       \
  (sizeof(elem_t) == sizeof(float) ? (elem_t) mm_act_f32(act, (float) (v))                    \
      : (elem_t) mm_act_f64(act, (double) (v)))

#define EMBER_MM_TK 16

/* The R x R accumulators are scalar variables (acc00, acc01, ...) and each K chunk is unrolled
   by hand (EMBER_MM_STEP*, EMBER_MM_CHUNK). A GPU compiler does as well with an array and a loop,
   but PoCL, which runs a work group as loops over its work items (values live across a barrier
   become arrays over the work items), ran the 512^3 float32 product here about 1.5x faster this
   way than with an accumulator array and a loop over the chunk. */
#define EMBER_EACH1(M) M(0)
#define EMBER_EACH4(M) M(0) M(1) M(2) M(3)
#define EMBER_EACH8(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)
#define EMBER_PAIRS1(M) M(0, 0)
#define EMBER_ROW4(M, i) M(i, 0) M(i, 1) M(i, 2) M(i, 3)
#define EMBER_PAIRS4(M) EMBER_ROW4(M, 0) EMBER_ROW4(M, 1) EMBER_ROW4(M, 2) EMBER_ROW4(M, 3)
#define EMBER_ROW8(M, i) M(i, 0) M(i, 1) M(i, 2) M(i, 3) M(i, 4) M(i, 5) M(i, 6) M(i, 7)
#define EMBER_PAIRS8(M)                                                                       \
  EMBER_ROW8(M, 0) EMBER_ROW8(M, 1) EMBER_ROW8(M, 2) EMBER_ROW8(M, 3)                         \
  EMBER_ROW8(M, 4) EMBER_ROW8(M, 5) EMBER_ROW8(M, 6) EMBER_ROW8(M, 7)

#define EMBER_MM_ZERO(i, j) acc_t acc##i##j = 0;
#define EMBER_MM_LOAD(i)                                                                      \
  acc_t av##i = (acc_t) as[kk * P + tr + 16 * (i)];                                           \
  acc_t bv##i = (acc_t) bs[kk * P + tc + 16 * (i)];
/* The float4 layout (V): a's values at 4 tr .. 4 tr + 3 (R = 4), and 64 + 4 tr .. 64 + 4 tr + 3
   (R = 8); bm's at tc's. */
#define EMBER_MM_LOAD4V                                                                       \
  float4 alo = LOAD_LOCAL_FLOAT4(&as[kk * P + 4 * tr]);                                       \
  float4 blo = LOAD_LOCAL_FLOAT4(&bs[kk * P + 4 * tc]);                                       \
  float av0 = alo.x, av1 = alo.y, av2 = alo.z, av3 = alo.w;                                   \
  float bv0 = blo.x, bv1 = blo.y, bv2 = blo.z, bv3 = blo.w;
#define EMBER_MM_LOAD8V                                                                       \
  float4 alo = LOAD_LOCAL_FLOAT4(&as[kk * P + 4 * tr]);                                       \
  float4 ahi = LOAD_LOCAL_FLOAT4(&as[kk * P + 64 + 4 * tr]);                                  \
  float4 blo = LOAD_LOCAL_FLOAT4(&bs[kk * P + 4 * tc]);                                       \
  float4 bhi = LOAD_LOCAL_FLOAT4(&bs[kk * P + 64 + 4 * tc]);                                  \
  float av0 = alo.x, av1 = alo.y, av2 = alo.z, av3 = alo.w;                                   \
  float av4 = ahi.x, av5 = ahi.y, av6 = ahi.z, av7 = ahi.w;                                   \
  float bv0 = blo.x, bv1 = blo.y, bv2 = blo.z, bv3 = blo.w;                                   \
  float bv4 = bhi.x, bv5 = bhi.y, bv6 = bhi.z, bv7 = bhi.w;
/* The tile row (or column) of a work item's i-th accumulator row: see the header. */
#define EMBER_MM_POS(t, i) (VEC ? 64 * ((i) / 4) + 4 * (t) + (i) % 4 : (t) + 16 * (i))
#define EMBER_MM_MAD(i, j) acc##i##j += av##i * bv##j;
#define EMBER_MM_PUT(i, j)                                                                    \
  {                                                                                           \
    int gr = row0 + EMBER_MM_POS(tr, i);                                                      \
    int gc = col0 + EMBER_MM_POS(tc, j);                                                      \
    if (gr < m && gc < n) {                                                                   \
      int o = cbase + gr * scm + gc * scn;                                                    \
      EMBER_MM_STORE(c[o], acc##i##j);                                                        \
      if (act) {                                                                              \
        c[o] = EMBER_MM_ACT(c[o]);                                                            \
      }                                                                                       \
    }                                                                                         \
  }

/* One step kk of a K chunk: R values of each tile into registers, R x R multiply-adds. */
#define EMBER_MM_STEP1S(K)                                                                    \
  {                                                                                           \
    const int kk = (K);                                                                       \
    EMBER_EACH1(EMBER_MM_LOAD)                                                                \
    EMBER_PAIRS1(EMBER_MM_MAD)                                                                \
  }
#define EMBER_MM_STEP4S(K)                                                                    \
  {                                                                                           \
    const int kk = (K);                                                                       \
    EMBER_EACH4(EMBER_MM_LOAD)                                                                \
    EMBER_PAIRS4(EMBER_MM_MAD)                                                                \
  }
#define EMBER_MM_STEP4V(K)                                                                    \
  {                                                                                           \
    const int kk = (K);                                                                       \
    EMBER_MM_LOAD4V                                                                           \
    EMBER_PAIRS4(EMBER_MM_MAD)                                                                \
  }
#define EMBER_MM_STEP8V(K)                                                                    \
  {                                                                                           \
    const int kk = (K);                                                                       \
    EMBER_MM_LOAD8V                                                                           \
    EMBER_PAIRS8(EMBER_MM_MAD)                                                                \
  }
#define EMBER_MM_CHUNK(M)                                                                     \
  M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)

/* The kernel body for element type T (typedef elem_t) accumulating in acc_t. Each K chunk is
   loaded into the local tiles as and bs, zero outside the matrices. L is the layout: S (scalar
   reads) or V (float4 reads; see the header). Rows are padded by one word against bank
   conflicts, by four for V (a float4 read needs a 16-byte aligned row). */
#define EMBER_MM_PAD_S 1
#define EMBER_MM_PAD_V 4
#define EMBER_MM_VEC_S 0
#define EMBER_MM_VEC_V 1
#define EMBER_MM_BODY(T, R, L)                                                                \
  const int TS = 16 * (R);                                                                    \
  const int VEC = EMBER_MM_VEC_##L;                                                           \
  const int P = TS + EMBER_MM_PAD_##L;                                                        \
  int bsz = meta[0];                                                                          \
  int m = meta[1];                                                                            \
  int n = meta[2];                                                                            \
  int k = meta[3];                                                                            \
  int sab = meta[4], sam = meta[5], sak = meta[6];                                            \
  int sbb = meta[7], sbk = meta[8], sbn = meta[9];                                            \
  int scb = meta[10], scm = meta[11], scn = meta[12];                                         \
  int tm = meta[13], tn = meta[14];                                                           \
  int a_kfast = meta[15], b_nfast = meta[16];                                                 \
  int ksplit = meta[20];                                                                      \
  int act = meta[21];                                                                         \
  int g = GROUP_ID() - g_base;                                                                \
  int batch = g / (tm * tn);                                                                  \
  if (batch >= bsz) return; /* whole group: no barrier is split */                            \
  int kbeg = ksplit > 0 ? batch * ksplit : 0;                                                 \
  int kend = ksplit > 0 ? min(k, kbeg + ksplit) : k;                                          \
  int row0 = (g / tn % tm) * TS;                                                              \
  int col0 = (g % tn) * TS;                                                                   \
  int tid = LOCAL_ID();                                                                       \
  int tr = tid / 16;                                                                          \
  int tc = tid % 16;                                                                          \
  LOCAL_ARRAY16(T, as, EMBER_MM_TK * (16 * (R) + EMBER_MM_PAD_##L));                         \
  LOCAL_ARRAY16(T, bs, EMBER_MM_TK * (16 * (R) + EMBER_MM_PAD_##L));                         \
  EMBER_PAIRS##R(EMBER_MM_ZERO)                                                               \
  int abase = a_off + (ksplit > 0 ? 0 : batch * sab);                                         \
  int bbase = b_off + (ksplit > 0 ? 0 : batch * sbb);                                         \
  for (int k0 = kbeg; k0 < kend; k0 += EMBER_MM_TK) {                                         \
    for (int q = 0; q < (R); q++) {                                                           \
      int l = tid + 256 * q;                                                                  \
      int r = a_kfast ? l / EMBER_MM_TK : l % TS;                                             \
      int kk = a_kfast ? l % EMBER_MM_TK : l / TS;                                            \
      int gr = row0 + r;                                                                      \
      int gk = k0 + kk;                                                                       \
      as[kk * P + r] = (gr < m && gk < kend) ? a[abase + gr * sam + gk * sak] : (T) 0;        \
      int cc = b_nfast ? l % TS : l / EMBER_MM_TK;                                            \
      int bk = b_nfast ? l / TS : l % EMBER_MM_TK;                                            \
      int gc = col0 + cc;                                                                     \
      int gbk = k0 + bk;                                                                      \
      bs[bk * P + cc] = (gc < n && gbk < kend) ? bm[bbase + gbk * sbk + gc * sbn]             \
          : (T) 0;                                                                            \
    }                                                                                         \
    BARRIER();                                                                                \
    EMBER_MM_CHUNK(EMBER_MM_STEP##R##L)                                                       \
    BARRIER();                                                                                \
  }                                                                                           \
  int cbase = c_off + batch * scb;                                                            \
  EMBER_PAIRS##R(EMBER_MM_PUT)

/* The float kernels of each family: (dtype, tile edge / 16, layout). The 128 x 128 tiles are
   float32's only; float32's 64 x 64 and 128 x 128 tiles read local memory as float4. */
#define EMBER_FLOAT_TILES(M)                                                                  \
  M(f32, float, 1, S)                                                                         \
  M(f32, float, 4, V)                                                                         \
  M(f32, float, 8, V)                                                                         \
  M(f64, double, 1, S)                                                                        \
  M(f64, double, 4, S)

#define EMBER_TO_U64(x) ((ulong) (long) (x))

/* Floating types: alpha and beta in the element type. */
#define EMBER_MM_FLOAT(SUF, T, R, L)                                                          \
  KERNEL mm##R##_##SUF(GLOBAL T* c, int c_off, GLOBAL const T* a, int a_off,                  \
      GLOBAL const T* bm, int b_off, GLOBAL const int* meta, T alpha, T beta) {               \
    typedef T elem_t;                                                                         \
    typedef T acc_t;                                                                          \
    const int g_base = 0;                                                                     \
    EMBER_MM_BODY(T, R, L)                                                                    \
  }

/* Integer types: alpha and beta as (lo, hi) halves of an int64, arithmetic modulo 2^64. */
#define EMBER_MM_INT(SUF, T, R, L)                                                            \
  KERNEL mm##R##_##SUF(GLOBAL T* c, int c_off, GLOBAL const T* a, int a_off,                  \
      GLOBAL const T* bm, int b_off, GLOBAL const int* meta, int alpha_lo, int alpha_hi,      \
      int beta_lo, int beta_hi) {                                                             \
    typedef T elem_t;                                                                         \
    typedef ulong acc_t;                                                                      \
    ulong alpha = ((ulong) (uint) alpha_hi << 32) | (ulong) (uint) alpha_lo;                  \
    ulong beta = ((ulong) (uint) beta_hi << 32) | (ulong) (uint) beta_lo;                     \
    const int g_base = 0;                                                                     \
    EMBER_MM_BODY(T, R, L)                                                                    \
  }

#define EMBER_MM_STORE(dst, v) dst = (elem_t) (beta == 0 ? alpha * (v) : alpha * (v) + beta * dst)

EMBER_FLOAT_TILES(EMBER_MM_FLOAT)

#undef EMBER_MM_STORE
#define EMBER_MM_STORE(dst, v)                                                                \
  dst = (elem_t) (beta == 0 ? alpha * (v) : alpha * (v) + beta * EMBER_TO_U64(dst))

EMBER_MM_INT(i64, long, 1, S)
EMBER_MM_INT(i64, long, 4, S)
EMBER_MM_INT(i32, int, 1, S)
EMBER_MM_INT(i32, int, 4, S)

/* mma*: floating types with the beta term read from an addend (a broadcast bias) instead of c:
   c = alpha * a @ bm + beta * d, d's batch/row/col strides in meta[17..19] (0 where broadcast).
   d is not read when beta is 0. */
#undef EMBER_MM_STORE
#define EMBER_MM_STORE(dst, v)                                                                \
  dst = (elem_t) (beta == 0 ? alpha * (v)                                                     \
      : alpha * (v) + beta * addend[d_off + batch * sdb + gr * sdm + gc * sdn])

#define EMBER_MMA_FLOAT(SUF, T, R, L)                                                         \
  KERNEL mma##R##_##SUF(GLOBAL T* c, int c_off, GLOBAL const T* a, int a_off,                 \
      GLOBAL const T* bm, int b_off, GLOBAL const int* meta, T alpha, T beta,                 \
      GLOBAL const T* addend, int d_off) {                                                    \
    typedef T elem_t;                                                                         \
    typedef T acc_t;                                                                          \
    int sdb = meta[17], sdm = meta[18], sdn = meta[19];                                       \
    const int g_base = 0;                                                                     \
    EMBER_MM_BODY(T, R, L)                                                                    \
  }

EMBER_FLOAT_TILES(EMBER_MMA_FLOAT)

/* mmp*: two products in one launch (Backend.matmulPair: a Linear's input and weight gradients),
   floating types: c1 = alpha * a1 @ bm1 + beta * c1 over groups [0, groups1), c2 = alpha * a2 @
   bm2 + beta * c2 over the rest. metas holds the two products' meta, 22 ints each (no addend,
   no K split). Both run at the tile size R. */
#undef EMBER_MM_STORE
#define EMBER_MM_STORE(dst, v) dst = (elem_t) (beta == 0 ? alpha * (v) : alpha * (v) + beta * dst)

#define EMBER_MMP_FLOAT(SUF, T, R, L)                                                         \
  KERNEL mmp##R##_##SUF(GLOBAL T* c1, int c1_off, GLOBAL const T* a1, int a1_off,             \
      GLOBAL const T* bm1, int b1_off, GLOBAL T* c2, int c2_off, GLOBAL const T* a2,          \
      int a2_off, GLOBAL const T* bm2, int b2_off, GLOBAL const int* metas, int groups1,      \
      T alpha, T beta) {                                                                      \
    typedef T elem_t;                                                                         \
    typedef T acc_t;                                                                          \
    const int second = GROUP_ID() >= groups1;                                                 \
    const int g_base = second ? groups1 : 0;                                                  \
    GLOBAL T* c = second ? c2 : c1;                                                           \
    GLOBAL const T* a = second ? a2 : a1;                                                     \
    GLOBAL const T* bm = second ? bm2 : bm1;                                                  \
    int c_off = second ? c2_off : c1_off;                                                     \
    int a_off = second ? a2_off : a1_off;                                                     \
    int b_off = second ? b2_off : b1_off;                                                     \
    GLOBAL const int* meta = metas + (second ? 22 : 0);                                       \
    EMBER_MM_BODY(T, R, L)                                                                    \
  }

EMBER_FLOAT_TILES(EMBER_MMP_FLOAT)
