/*
 * im2col / col2im (the gather behind convolution and its adjoint) and 2-D max pooling with its
 * backward, float32 (f32) and float64 (f64). Every operand may have any strides; they travel in
 * meta. Every output element is written by exactly one work item, in a fixed order: no atomics on
 * data, results independent of the launch.
 *
 * Window geometry, shared by all: output position o along an axis reads input position
 * o * stride - pad + t * dilation for kernel tap t.
 *
 * meta of im2col and col2im: [N, C, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW, image strides
 * (4), column strides (6)].
 * meta of max_pool: [N, C, H, W, kH, kW, oH, oW, sH, sW, pH, pW, dH, dW, src strides (4), dst
 * strides (4), indices strides (4)].
 * meta of max_pool_backward: [N, C, H, W, oH, oW, rows per work item, work items per plane, dst
 * strides (4), grad strides (4), indices strides (4)].
 */
#include "ember_gpu.h"

/* im2col: one work item per column element (n, c, i, j, oh, ow), in row-major order. */
#define EMBER_IM2COL(SUF, T)                                                                  \
  KERNEL im2col_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const T* src, int src_off, int total, \
      GLOBAL const int* meta) {                                                               \
    int e = GLOBAL_ID();                                                                      \
    if (e >= total) return;                                                                   \
    int c = meta[1], h = meta[2], w = meta[3];                                                \
    int kh = meta[4], kw = meta[5], oh = meta[6], ow = meta[7];                               \
    GLOBAL const int* ss = meta + 14;                                                         \
    GLOBAL const int* ds = meta + 18;                                                         \
    int q = e;                                                                                \
    int x = q % ow; q /= ow;                                                                  \
    int y = q % oh; q /= oh;                                                                  \
    int j = q % kw; q /= kw;                                                                  \
    int i = q % kh; q /= kh;                                                                  \
    int ch = q % c;                                                                           \
    int n = q / c;                                                                            \
    int ih = y * meta[8] - meta[10] + i * meta[12];                                           \
    int iw = x * meta[9] - meta[11] + j * meta[13];                                           \
    T v = (T) 0;                                                                              \
    if (ih >= 0 && ih < h && iw >= 0 && iw < w) {                                             \
      v = src[src_off + n * ss[0] + ch * ss[1] + ih * ss[2] + iw * ss[3]];                    \
    }                                                                                         \
    dst[dst_off + n * ds[0] + ch * ds[1] + i * ds[2] + j * ds[3] + y * ds[4] + x * ds[5]] = v; \
  }

/* col2im in gather form: one work item per image element (n, c, h, w) sums the column elements
   that im2col reads from it, over the kernel taps (i, j) in order (for a tap at most one window
   position reads an element), the CPU backend's order of additions. */
#define EMBER_COL2IM(SUF, T)                                                                  \
  KERNEL col2im_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const T* src, int src_off, int total, \
      GLOBAL const int* meta) {                                                               \
    int e = GLOBAL_ID();                                                                      \
    if (e >= total) return;                                                                   \
    int c = meta[1], h = meta[2], w = meta[3];                                                \
    int kh = meta[4], kw = meta[5], oh = meta[6], ow = meta[7];                               \
    int sh = meta[8], sw = meta[9], ph = meta[10], pw = meta[11], dh = meta[12], dw = meta[13]; \
    GLOBAL const int* is = meta + 14;                                                         \
    GLOBAL const int* cs = meta + 18;                                                         \
    int q = e;                                                                                \
    int x = q % w; q /= w;                                                                    \
    int y = q % h; q /= h;                                                                    \
    int ch = q % c;                                                                           \
    int n = q / c;                                                                            \
    int base = src_off + n * cs[0] + ch * cs[1];                                              \
    T sum = (T) 0;                                                                            \
    for (int i = 0; i < kh; i++) {                                                            \
      int ty = y + ph - i * dh;                                                               \
      if (ty < 0 || ty % sh != 0 || ty / sh >= oh) continue;                                  \
      int rowo = base + i * cs[2] + (ty / sh) * cs[4];                                        \
      for (int j = 0; j < kw; j++) {                                                          \
        int tx = x + pw - j * dw;                                                             \
        if (tx < 0 || tx % sw != 0 || tx / sw >= ow) continue;                                \
        sum += src[rowo + j * cs[3] + (tx / sw) * cs[5]];                                     \
      }                                                                                       \
    }                                                                                         \
    dst[dst_off + n * is[0] + ch * is[1] + y * is[2] + x * is[3]] = sum;                      \
  }

/* Max pooling: one work item per output element. PyTorch's window, [start, start + (k - 1) d + 1)
   clipped to the input with its first tap at or after 0, and its loop: max starts at -inf at the
   first tap, a tap wins when v > max or v is NaN (ties: the first; NaN: the last). */
#define EMBER_MAXPOOL(SUF, T, NEG_INF)                                                        \
  KERNEL max_pool_##SUF(GLOBAL T* dst, int dst_off, GLOBAL long* idx, int idx_off,            \
      GLOBAL const T* src, int src_off, int total, GLOBAL const int* meta) {                  \
    int e = GLOBAL_ID();                                                                      \
    if (e >= total) return;                                                                   \
    int c = meta[1], h = meta[2], w = meta[3];                                                \
    int kh = meta[4], kw = meta[5], oh = meta[6], ow = meta[7];                               \
    int dh = meta[12], dw = meta[13];                                                         \
    GLOBAL const int* ss = meta + 14;                                                         \
    GLOBAL const int* ds = meta + 18;                                                         \
    GLOBAL const int* xs = meta + 22;                                                         \
    int q = e;                                                                                \
    int x = q % ow; q /= ow;                                                                  \
    int y = q % oh; q /= oh;                                                                  \
    int ch = q % c;                                                                           \
    int n = q / c;                                                                            \
    int h0 = y * meta[8] - meta[10];                                                          \
    int h1 = min(h0 + (kh - 1) * dh + 1, h);                                                  \
    while (h0 < 0) h0 += dh;                                                                  \
    int w0 = x * meta[9] - meta[11];                                                          \
    int w1 = min(w0 + (kw - 1) * dw + 1, w);                                                  \
    while (w0 < 0) w0 += dw;                                                                  \
    int base = src_off + n * ss[0] + ch * ss[1];                                              \
    int best = h0 * w + w0;                                                                   \
    T mx = NEG_INF;                                                                           \
    for (int ih = h0; ih < h1; ih += dh) {                                                    \
      int row = base + ih * ss[2];                                                            \
      for (int iw = w0; iw < w1; iw += dw) {                                                  \
        T v = src[row + iw * ss[3]];                                                          \
        if (v > mx || v != v) {                                                               \
          mx = v;                                                                             \
          best = ih * w + iw;                                                                 \
        }                                                                                     \
      }                                                                                       \
    }                                                                                         \
    dst[dst_off + n * ds[0] + ch * ds[1] + y * ds[2] + x * ds[3]] = mx;                       \
    idx[idx_off + n * xs[0] + ch * xs[1] + y * xs[2] + x * xs[3]] = (long) best;              \
  }

/* Records the first (smallest) bad position + 1 in *flag (0: none yet). */
DEVICE_FN void ember_record_first(GLOBAL int* flag, int v) {
  int old = ATOMIC_CAS_INT(flag, 0, v);
  while (old != 0 && v < old) {
    int prev = ATOMIC_CAS_INT(flag, old, v);
    if (prev == old) break;
    old = prev;
  }
}

/* Max pooling backward without atomics on data: work item (plane, r) owns rows [r rows, (r + 1)
   rows) of its dst plane; it zeroes them, then scans every output of the plane in row-major order
   (the CPU backend's order of additions) and adds the gradients whose index falls in its rows.
   Several work items per plane keep small batches parallel at the price of rescanning the plane's
   indices. The first work item of a plane checks the indices: the position (n, c, oh, ow) of the
   first bad one goes to flag (as position + 1, the smallest over planes). */
#define EMBER_MAXPOOL_BACKWARD(SUF, T)                                                        \
  KERNEL max_pool_backward_##SUF(GLOBAL T* dst, int dst_off, GLOBAL const T* grad,            \
      int grad_off, GLOBAL const long* idx, int idx_off, GLOBAL int* flag, int flag_off,      \
      int items, GLOBAL const int* meta) {                                                    \
    int e = GLOBAL_ID();                                                                      \
    if (e >= items) return;                                                                   \
    int c = meta[1], h = meta[2], w = meta[3];                                                \
    int oh = meta[4], ow = meta[5], rows = meta[6], per = meta[7];                            \
    GLOBAL const int* ds = meta + 8;                                                          \
    GLOBAL const int* gs = meta + 12;                                                         \
    GLOBAL const int* xs = meta + 16;                                                         \
    int plane = e / per;                                                                      \
    int r = e % per;                                                                          \
    int ch = plane % c;                                                                       \
    int n = plane / c;                                                                        \
    int r0 = r * rows;                                                                        \
    int r1 = min(r0 + rows, h);                                                               \
    int dbase = dst_off + n * ds[0] + ch * ds[1];                                             \
    for (int y = r0; y < r1; y++) {                                                           \
      for (int x = 0; x < w; x++) {                                                           \
        dst[dbase + y * ds[2] + x * ds[3]] = (T) 0;                                           \
      }                                                                                       \
    }                                                                                         \
    long area = (long) h * w;                                                                 \
    long lo = (long) r0 * w;                                                                  \
    long hi = (long) r1 * w;                                                                  \
    int gbase = grad_off + n * gs[0] + ch * gs[1];                                            \
    int xbase = idx_off + n * xs[0] + ch * xs[1];                                             \
    for (int y = 0; y < oh; y++) {                                                            \
      for (int x = 0; x < ow; x++) {                                                          \
        long t = idx[xbase + y * xs[2] + x * xs[3]];                                          \
        if (t < 0 || t >= area) {                                                             \
          if (r == 0) ember_record_first(flag + flag_off, (plane * oh + y) * ow + x + 1);     \
          continue;                                                                           \
        }                                                                                     \
        if (t >= lo && t < hi) {                                                              \
          int ty = (int) (t / w);                                                             \
          int tx = (int) (t - (long) ty * w);                                                 \
          dst[dbase + ty * ds[2] + tx * ds[3]] += grad[gbase + y * gs[2] + x * gs[3]];        \
        }                                                                                     \
      }                                                                                       \
    }                                                                                         \
  }

EMBER_IM2COL(f32, float)
EMBER_IM2COL(f64, double)
EMBER_COL2IM(f32, float)
EMBER_COL2IM(f64, double)
EMBER_MAXPOOL(f32, float, -INFINITY)
EMBER_MAXPOOL(f64, double, (double) -INFINITY)
EMBER_MAXPOOL_BACKWARD(f32, float)
EMBER_MAXPOOL_BACKWARD(f64, double)
