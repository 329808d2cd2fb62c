/*
 * Indexing: gather, scatter (optionally accumulating) and masked select, for every Ember dtype
 * (suffixes f32, f64, i64, i32, b8). Indices are int64.
 *
 *   gather:  dst[..., i, ...] = src[..., index[..., i, ...], ...]       along dim
 *   scatter: dst[..., index[..., j, ...], ...] = (or +=) src[..., j, ...] along dim
 *   masked select: dst[k] = the k-th element of src (row-major) whose mask is true
 *
 * A bad index is not an error the kernel can raise: the work item records the smallest bad
 * position (row-major in index) in err[0] (initialised by the host to a value past the end) and
 * skips it; the host reads err back and throws, naming the index.
 *
 * Determinism: scatter runs one work item per "line" of index along dim (every other coordinate
 * fixed), which visits j = 0, 1, ... in order. All src elements that can reach one dst element lie
 * on one line, so duplicates resolve exactly as the CPU's row-major loop does (the last write
 * wins; sums are added in row-major order) with no atomics on data. Masked select counts the true
 * elements of each group's chunk, scans the counts in one work group, then compacts each chunk
 * with a scan in local memory: integer arithmetic only, so the order is the CPU's.
 */
#include "ember_gpu.h"

/* Mask elements per work item in masked select: a group handles MASK_CHUNK * local elements. */
#define MASK_CHUNK 16
/* The largest local size of a 1-D launch (GpuBackend.localSize() is at most 256). */
#define MAX_LOCAL 256

/* err[0] = min(err[0], pos) atomically: the first bad position wins whatever the timing. */
DEVICE_FN void index_record_bad(GLOBAL int* err, int pos) {
  int old = err[0];
  while (pos < old) {
    int prev = ATOMIC_CAS_INT(err, old, pos);
    if (prev == old) {
      break;
    }
    old = prev;
  }
}

/* The offsets of row-major element i of shape meta[1..nd] in three tensors whose strides follow
   the shape in meta: o[k] for strides meta[1 + (k + 1) * nd ...]. */
DEVICE_FN void index_offsets3(int i, int nd, GLOBAL const int* meta, int* o0, int* o1, int* o2) {
  GLOBAL const int* shape = meta + 1;
  GLOBAL const int* s0 = meta + 1 + nd;
  GLOBAL const int* s1 = meta + 1 + 2 * nd;
  GLOBAL const int* s2 = meta + 1 + 3 * nd;
  int a = 0;
  int b = 0;
  int c = 0;
  for (int d = nd - 1; d >= 0; d--) {
    int s = shape[d];
    int q = i / s;
    int r = i - q * s;
    a += r * s0[d];
    b += r * s1[d];
    c += r * s2[d];
    i = q;
  }
  *o0 = a;
  *o1 = b;
  *o2 = c;
}

/* One work item per dst element. meta: [nd, dst shape, dst strides, index strides, src strides
   with dim's stride set to 0]; the index selects along dim with src_dim_stride. */
#define EMBER_GATHER(SUF, T)                                                                 \
  KERNEL gather_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const T* src, int src_off,          \
      GLOBAL const long* index, int index_off, int n, int size, int src_dim_stride,          \
      GLOBAL const int* meta, GLOBAL int* err, int err_off) {                                \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    int od;                                                                                  \
    int oi;                                                                                  \
    int os;                                                                                  \
    index_offsets3(i, meta[0], meta, &od, &oi, &os);                                         \
    long k = index[index_off + oi];                                                          \
    if (k < 0 || k >= size) {                                                                \
      index_record_bad(err + err_off, i);                                                    \
      return;                                                                                \
    }                                                                                        \
    dst[dst_off + od] = src[src_off + os + (int) k * src_dim_stride];                        \
  }

/* One work item per line: meta: [nd, index shape with dim's extent 1, dst strides, index
   strides, src strides]; the line runs len steps along dim. inner is the product of index's
   extents after dim, so element j of line l sits at row-major position
   (l / inner) * len * inner + j * inner + l % inner of index. ACC(d, v) is the accumulation. */
#define EMBER_SCATTER(SUF, T, ACC)                                                           \
  KERNEL scatter_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const long* index, int index_off,  \
      GLOBAL const T* src, int src_off, int lines, int len, int inner, int size,             \
      int dst_dim_stride, int index_dim_stride, int src_dim_stride, int accumulate,          \
      GLOBAL const int* meta, GLOBAL int* err, int err_off) {                                \
    int l = GLOBAL_ID();                                                                     \
    if (l >= lines) return;                                                                  \
    int od;                                                                                  \
    int oi;                                                                                  \
    int os;                                                                                  \
    index_offsets3(l, meta[0], meta, &od, &oi, &os);                                         \
    int outer = l / inner;                                                                   \
    int pos = outer * len * inner + (l - outer * inner);                                     \
    GLOBAL T* d = dst + dst_off + od;                                                        \
    GLOBAL const long* ix = index + index_off + oi;                                          \
    GLOBAL const T* s = src + src_off + os;                                                  \
    for (int j = 0; j < len; j++) {                                                          \
      long k = ix[j * index_dim_stride];                                                     \
      if (k < 0 || k >= size) {                                                              \
        index_record_bad(err + err_off, pos + j * inner);                                    \
        return;                                                                              \
      }                                                                                      \
      int o = (int) k * dst_dim_stride;                                                      \
      T v = s[j * src_dim_stride];                                                           \
      d[o] = accumulate ? ACC(d[o], v) : v;                                                  \
    }                                                                                        \
  }

#define EMBER_ADD(x, y) ((x) + (y))
#define EMBER_OR(x, y) ((uchar) ((x) | (y)))

EMBER_GATHER(f32, float)
EMBER_GATHER(f64, double)
EMBER_GATHER(i64, long)
EMBER_GATHER(i32, int)
EMBER_GATHER(b8, uchar)

EMBER_SCATTER(f32, float, EMBER_ADD)
EMBER_SCATTER(f64, double, EMBER_ADD)
EMBER_SCATTER(i64, long, EMBER_ADD)
EMBER_SCATTER(i32, int, EMBER_ADD)
EMBER_SCATTER(b8, uchar, EMBER_OR)

/* Inclusive scan of s[0..L) in local memory (Hillis-Steele); every item of the group calls it. */
DEVICE_FN void index_scan_local(LOCAL int* s, int lid, int L) {
  for (int d = 1; d < L; d <<= 1) {
    int t = lid >= d ? s[lid - d] : 0;
    BARRIER();
    s[lid] += t;
    BARRIER();
  }
}

/* Whether row-major element e of the mask (meta: [nd, shape, src strides, mask strides]) is
   true; e < n. */
DEVICE_FN int index_mask_at(GLOBAL const uchar* mask, int mask_off, int e, GLOBAL const int* meta,
    int contiguous) {
  int nd = meta[0];
  int o = contiguous ? e : ember_offset(e, nd, meta + 1, meta + 1 + 2 * nd);
  return mask[mask_off + o] != 0;
}

/* Pass 1 of masked select: counts[g] = the number of true elements in group g's chunk of
   MASK_CHUNK * L elements (element gbase + k * L + lid for round k). */
KERNEL masked_count(GLOBAL const uchar* mask, int mask_off, int n, GLOBAL const int* meta,
    int contiguous, GLOBAL int* counts, int counts_off) {
  LOCAL_ARRAY(int, part, MAX_LOCAL);
  int lid = LOCAL_ID();
  int L = LOCAL_SIZE();
  long gbase = (long) GROUP_ID() * MASK_CHUNK * L;
  int c = 0;
  for (int k = 0; k < MASK_CHUNK; k++) {
    long e = gbase + (long) k * L + lid;
    if (e < n) {
      c += index_mask_at(mask, mask_off, (int) e, meta, contiguous);
    }
  }
  part[lid] = c;
  BARRIER();
  for (int s = 1; s < L; s <<= 1) {
    if ((lid & (2 * s - 1)) == 0 && lid + s < L) {
      part[lid] += part[lid + s];
    }
    BARRIER();
  }
  if (lid == 0) {
    counts[counts_off + GROUP_ID()] = part[0];
  }
}

/* Pass 2, one work group: counts[0..groups) becomes its exclusive prefix sum, counts[groups]
   the total. */
KERNEL masked_scan(GLOBAL int* counts, int counts_off, int groups) {
  LOCAL_ARRAY(int, s, MAX_LOCAL);
  int lid = LOCAL_ID();
  int L = LOCAL_SIZE();
  int carry = 0;
  for (int base = 0; base < groups; base += L) {
    int i = base + lid;
    int v = i < groups ? counts[counts_off + i] : 0;
    s[lid] = v;
    BARRIER();
    index_scan_local(s, lid, L);
    if (i < groups) {
      counts[counts_off + i] = carry + s[lid] - v;
    }
    carry += s[L - 1];
    BARRIER();
  }
  if (lid == 0) {
    counts[counts_off + groups] = carry;
  }
}

/* Pass 3: each group compacts its chunk round by round, the rank of an element being its group's
   offset, the trues of earlier rounds, and the trues before it in its round. Writes past length
   are dropped (the host then reports the count mismatch). meta as for masked_count. */
#define EMBER_MASKED_SELECT(SUF, T)                                                          \
  KERNEL masked_select_##SUF(GLOBAL T* dst, int dst_off, int dst_stride, int length,         \
      GLOBAL const T* src, int src_off, GLOBAL const uchar* mask, int mask_off, int n,       \
      GLOBAL const int* meta, int contiguous, GLOBAL const int* offsets, int offsets_off) {  \
    LOCAL_ARRAY(int, s, MAX_LOCAL);                                                          \
    int lid = LOCAL_ID();                                                                    \
    int L = LOCAL_SIZE();                                                                    \
    int nd = meta[0];                                                                        \
    long gbase = (long) GROUP_ID() * MASK_CHUNK * L;                                         \
    int rank = offsets[offsets_off + GROUP_ID()];                                            \
    for (int k = 0; k < MASK_CHUNK; k++) {                                                   \
      long e = gbase + (long) k * L + lid;                                                   \
      int m = e < n ? index_mask_at(mask, mask_off, (int) e, meta, contiguous) : 0;          \
      s[lid] = m;                                                                            \
      BARRIER();                                                                             \
      index_scan_local(s, lid, L);                                                           \
      int r = rank + s[lid] - m;                                                             \
      if (m && r < length) {                                                                 \
        int o = contiguous ? (int) e : ember_offset((int) e, nd, meta + 1, meta + 1 + nd);   \
        dst[dst_off + r * dst_stride] = src[src_off + o];                                    \
      }                                                                                      \
      rank += s[L - 1];                                                                      \
      BARRIER();                                                                             \
    }                                                                                        \
  }

EMBER_MASKED_SELECT(f32, float)
EMBER_MASKED_SELECT(f64, double)
EMBER_MASKED_SELECT(i64, long)
EMBER_MASKED_SELECT(i32, int)
EMBER_MASKED_SELECT(b8, uchar)

/* ---------------------------------------------------------------- cross-entropy */

/* nll_rows: one work item per row of a (n, C) logp: loss[i] = -logp[i, t_i], 0 where t_i is
   `ignore`. Targets were checked on the host (in [0, C) or ignore). */
#define EMBER_NLL_ROWS(SUF, T)                                                               \
  KERNEL nll_rows_##SUF(GLOBAL T* loss, int loss_off, int ls, GLOBAL const T* logp,          \
      int p_off, int ps0, int ps1, GLOBAL const long* target, int t_off, int ts, int n,      \
      int ignore) {                                                                          \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    long t = target[t_off + i * ts];                                                         \
    loss[loss_off + i * ls] = t == ignore ? (T) 0 : -logp[p_off + i * ps0 + (int) t * ps1];  \
  }

/* ce_backward: one work item per element of a (n, c) grad:
   grad[i, j] = scale[i] * (exp(logp[i, j]) - (j == t_i)), 0 in rows whose t_i is `ignore`,
   computed as e * s (e * s - s on the target), the order of the composed loss's gradient. With
   has_div, scale[i] is first divided by div[0] (a mean's gradient over its count). */
#define EMBER_CE_BACKWARD(SUF, T)                                                            \
  KERNEL ce_backward_##SUF(GLOBAL T* grad, int g_off, int gs0, int gs1,                      \
      GLOBAL const T* logp, int p_off, int ps0, int ps1, GLOBAL const long* target,          \
      int t_off, int ts, GLOBAL const T* scale, int s_off, int ss, GLOBAL const T* div,      \
      int d_off, int has_div, int n, int c, int ignore) {                                    \
    int e = GLOBAL_ID();                                                                     \
    if (e >= n * c) return;                                                                  \
    int i = e / c;                                                                           \
    int j = e - i * c;                                                                       \
    long t = target[t_off + i * ts];                                                         \
    T v = (T) 0;                                                                             \
    if (t != ignore) {                                                                       \
      /* The composed gradient's arithmetic and order: e * s, minus s on the target. */      \
      T s = has_div ? scale[s_off + i * ss] / div[d_off] : scale[s_off + i * ss];            \
      T es = exp(logp[p_off + i * ps0 + j * ps1]) * s;                                       \
      v = j == (int) t ? es - s : es;                                                        \
    }                                                                                        \
    grad[g_off + i * gs0 + j * gs1] = v;                                                     \
  }

/* Inside nll_mean's and ce_mean's row loop (row i, its log-probabilities from PBASE): a target
   that is ignore is skipped; one outside [0, c) is flagged in check and skipped; else -logp of it
   is added to s and the row counted in k. */
#define EMBER_NLL_PICK(PBASE)                                                                \
  long t = target[t_off + i * ts];                                                           \
  if (t == ignore) continue;                                                                 \
  if (t < 0 || t >= c) {                                                                     \
    if (ATOMIC_CAS_INT(check + k_off, 0, id) == 0) {                                         \
      check[k_off + 1] = i;                                                                  \
      check[k_off + 2] = (int) t;                                                            \
      check[k_off + 3] = (int) (t >> 32);                                                    \
    }                                                                                        \
    continue;                                                                                \
  }                                                                                          \
  s += -logp[(PBASE) + (int) t * ps1];                                                       \
  k++;

/* After the row loop: the group's sums and counts in a fixed-order tree, then the mean. */
#define EMBER_NLL_MEAN_TREE(T)                                                               \
  sums[lid] = s;                                                                             \
  valid[lid] = k;                                                                            \
  BARRIER();                                                                                 \
  for (int w = 128; w > 0; w >>= 1) {                                                        \
    if (lid < w) {                                                                           \
      sums[lid] += sums[lid + w];                                                            \
      valid[lid] += valid[lid + w];                                                          \
    }                                                                                        \
    BARRIER();                                                                               \
  }                                                                                          \
  if (lid == 0) {                                                                            \
    mean[m_off] = sums[0] / (T) valid[0];                                                    \
    count[c_off] = (T) valid[0];                                                             \
  }

/* nll_mean: one work group of 256 items over the n rows of a (n, c) logp: mean = the mean of
   -logp[i, t_i] over the rows whose t_i is not `ignore` (0 / 0 = NaN when none), count = their
   number. A t_i outside [0, c) that is not `ignore` is left out and flagged in check[0..3] =
   [id, row, value low, value high] (the first flag wins: a compare-and-swap on check[0]); the
   host reports it at its next read. Each item sums every 256th row, then a tree in local memory:
   a fixed order, so the result is deterministic. */
#define EMBER_NLL_MEAN(SUF, T)                                                               \
  KERNEL nll_mean_##SUF(GLOBAL T* mean, int m_off, GLOBAL T* count, int c_off,               \
      GLOBAL const T* logp, int p_off, int ps0, int ps1, GLOBAL const long* target,          \
      int t_off, int ts, int n, int c, int ignore, GLOBAL int* check, int k_off, int id) {   \
    LOCAL_ARRAY(T, sums, 256);                                                               \
    LOCAL_ARRAY(int, valid, 256);                                                            \
    int lid = LOCAL_ID();                                                                    \
    T s = (T) 0;                                                                             \
    int k = 0;                                                                               \
    for (int i = lid; i < n; i += 256) {                                                     \
      EMBER_NLL_PICK(p_off + i * ps0)                                                        \
    }                                                                                        \
    EMBER_NLL_MEAN_TREE(T)                                                                   \
  }

/* ce_mean: log-softmax and nll_mean in one work group of 256 items (cross-entropy's mean, for
   small (n, c) logits x): each item takes every 256th row, writes its log-softmax to logp with
   the softmax kernel's arithmetic (m = the row's maximum, float32 skipping NaN candidates and
   float64 as Math.max; e = exp(x - m) in the dtype, summed in double; logp = (x - m) - log(sum)),
   then adds -logp[i, t_i] as nll_mean does, with its target check and its fixed-order tree. */
DEVICE_FN float ce_max_f32(float m, float v) {
  return v > m ? v : m;
}

DEVICE_FN double ce_max_f64(double a, double b) {
  if (a != a) return a;
  if (b != b) return b;
  if (a == 0.0 && b == 0.0) return DOUBLE_AS_LONG(a) < 0 ? b : a;
  return a > b ? a : b;
}

#define EMBER_CE_MEAN(SUF, T, NEG_INF)                                                       \
  KERNEL ce_mean_##SUF(GLOBAL T* mean, int m_off, GLOBAL T* count, int c_off,                \
      GLOBAL T* logp, int p_off, int ps0, int ps1, GLOBAL const T* x, int x_off, int xs0,    \
      int xs1, GLOBAL const long* target, int t_off, int ts, int n, int c, int ignore,       \
      GLOBAL int* check, int k_off, int id) {                                                \
    LOCAL_ARRAY(T, sums, 256);                                                               \
    LOCAL_ARRAY(int, valid, 256);                                                            \
    int lid = LOCAL_ID();                                                                    \
    T s = (T) 0;                                                                             \
    int k = 0;                                                                               \
    for (int i = lid; i < n; i += 256) {                                                     \
      int xb = x_off + i * xs0;                                                              \
      int pb = p_off + i * ps0;                                                              \
      T m = NEG_INF;                                                                         \
      for (int j = 0; j < c; j++) m = ce_max_##SUF(m, x[xb + j * xs1]);                      \
      double z = 0.0;                                                                        \
      for (int j = 0; j < c; j++) {                                                          \
        T e = exp(x[xb + j * xs1] - m);                                                      \
        z += (double) e;                                                                     \
      }                                                                                      \
      T l = (T) log(z);                                                                      \
      for (int j = 0; j < c; j++) logp[pb + j * ps1] = (x[xb + j * xs1] - m) - l;            \
      EMBER_NLL_PICK(pb)                                                                     \
    }                                                                                        \
    EMBER_NLL_MEAN_TREE(T)                                                                   \
  }

EMBER_NLL_ROWS(f32, float)
EMBER_NLL_ROWS(f64, double)
EMBER_NLL_MEAN(f32, float)
EMBER_NLL_MEAN(f64, double)
EMBER_CE_BACKWARD(f32, float)
EMBER_CE_BACKWARD(f64, double)
EMBER_CE_MEAN(f32, float, INT_AS_FLOAT((int) 0xff800000))
EMBER_CE_MEAN(f64, double, LONG_AS_DOUBLE((long) 0xfff0000000000000UL))
