/*
 * Fused optimizer updates (dev.ember.backend.OptimizerUpdate): one work item per element reads
 * the parameter, its gradient and its state once and writes the parameter and the state once.
 * One kernel per update kind and dtype (suffix f32 / f64); every operand is contiguous, as the
 * pair (buffer, element offset). A state slot the update does not use (its flag is 0) is passed
 * as any buffer of the dtype and never touched.
 *
 * The scalars are derived on the host exactly as the CPU backend derives them (in double, then
 * rounded once to the dtype: e.g. negStep = -lr / (1 - beta1^step)), and the per-element
 * arithmetic below repeats the CPU's operations in the same order:
 *
 *   SGD      d = g*sign [+ wd*p];  b = init ? d : b*mom + (1 - damp)*d;  p += -lr * (nest ? d + mom*b : b)
 *   Adam(W)  p *= 1 - lr*wd (AdamW);  g = g*sign [+ wd*p] (Adam);  m = m*b1 + (1-b1)*g;
 *            v = v*b2 + (1-b2)*g*g;  d = amsgrad ? (vmax = max(vmax, v)) : v;
 *            p += negStep * m / (sqrt(d) / bc2 + eps)
 *   RMSprop  g = g*sign [+ wd*p];  s = s*a + (1-a)*g*g;  ga = ga*a + (1-a)*g (centered);
 *            avg = sqrt(centered ? s - ga*ga : s) + eps;  b = b*mom + g/avg; p += -lr*b (momentum)
 *            or p += -lr * g / avg
 *   Adagrad  g = g*sign [+ wd*p];  sum += g*g;  p += negClr * g / (sqrt(sum) + eps)
 *
 * Java never contracts a * b + c into a fused multiply-add; OpenCL C may, so contraction is off
 * here to keep the CPU's roundings (CUDA builds may still contract: a difference of an ulp).
 */
#include "ember_gpu.h"

#ifdef __OPENCL_VERSION__
#pragma OPENCL FP_CONTRACT OFF
#endif

#define EMBER_OPTIM(SUF, T)                                                                  \
  KERNEL sgd_##SUF(GLOBAL T* p, int p_off, GLOBAL const T* g, int g_off, GLOBAL T* b,       \
      int b_off, int n, T negLr, T mom, T oneMinusDamp, T wd, T sign, int hasWd,             \
      int hasMomentum, int nesterov, int init) {                                             \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    T pi = p[p_off + i];                                                                     \
    T d = hasWd ? g[g_off + i] * sign + wd * pi : g[g_off + i] * sign;                      \
    if (!hasMomentum) {                                                                      \
      p[p_off + i] = pi + negLr * d;                                                         \
      return;                                                                                \
    }                                                                                        \
    T bi = init ? d : b[b_off + i] * mom + oneMinusDamp * d;                                 \
    b[b_off + i] = bi;                                                                       \
    p[p_off + i] = pi + negLr * (nesterov ? d + mom * bi : bi);                              \
  }                                                                                          \
                                                                                             \
  KERNEL adam_##SUF(GLOBAL T* p, int p_off, GLOBAL const T* g, int g_off, GLOBAL T* m,      \
      int m_off, GLOBAL T* v, int v_off, GLOBAL T* vmax, int vmax_off, int n, T b1, T ob1,   \
      T b2, T ob2, T eps, T wd, T decayF, T negStep, T bc2, T sign, int hasWd, int decay,    \
      int amsgrad) {                                                                         \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    T pi = decay ? p[p_off + i] * decayF : p[p_off + i];                                     \
    T gi = hasWd ? g[g_off + i] * sign + wd * pi : g[g_off + i] * sign;                     \
    T mi = m[m_off + i] * b1 + ob1 * gi;                                                     \
    T vi = v[v_off + i] * b2 + ob2 * gi * gi;                                                \
    m[m_off + i] = mi;                                                                       \
    v[v_off + i] = vi;                                                                       \
    T d = vi;                                                                                \
    if (amsgrad) {                                                                           \
      /* Java's Math.max: NaN if either is NaN (vm + vi is then NaN). */                     \
      T vm = vmax[vmax_off + i];                                                             \
      d = vi >= vm ? vi : (vm > vi ? vm : vm + vi);                                          \
      vmax[vmax_off + i] = d;                                                                \
    }                                                                                        \
    p[p_off + i] = pi + negStep * mi / (sqrt(d) / bc2 + eps);                                \
  }                                                                                          \
                                                                                             \
  KERNEL rmsprop_##SUF(GLOBAL T* p, int p_off, GLOBAL const T* g, int g_off, GLOBAL T* sq,  \
      int sq_off, GLOBAL T* b, int b_off, GLOBAL T* ga, int ga_off, int n, T negLr, T alpha, \
      T oneMinusAlpha, T eps, T wd, T mom, T sign, int hasWd, int momentum, int centered) {  \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    T pi = p[p_off + i];                                                                     \
    T gi = hasWd ? g[g_off + i] * sign + wd * pi : g[g_off + i] * sign;                     \
    T si = sq[sq_off + i] * alpha + oneMinusAlpha * gi * gi;                                 \
    sq[sq_off + i] = si;                                                                     \
    T avg;                                                                                   \
    if (centered) {                                                                          \
      T ai = ga[ga_off + i] * alpha + oneMinusAlpha * gi;                                    \
      ga[ga_off + i] = ai;                                                                   \
      avg = sqrt(si + (T) -1 * ai * ai) + eps;                                               \
    } else {                                                                                 \
      avg = sqrt(si) + eps;                                                                  \
    }                                                                                        \
    if (momentum) {                                                                          \
      T bi = b[b_off + i] * mom + gi / avg;                                                  \
      b[b_off + i] = bi;                                                                     \
      p[p_off + i] = pi + negLr * bi;                                                        \
    } else {                                                                                 \
      p[p_off + i] = pi + negLr * gi / avg;                                                  \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  KERNEL adagrad_##SUF(GLOBAL T* p, int p_off, GLOBAL const T* g, int g_off, GLOBAL T* sum, \
      int sum_off, int n, T negClr, T wd, T eps, T sign, int hasWd) {                        \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    T pi = p[p_off + i];                                                                     \
    T gi = hasWd ? g[g_off + i] * sign + wd * pi : g[g_off + i] * sign;                     \
    T si = sum[sum_off + i] + gi * gi;                                                       \
    sum[sum_off + i] = si;                                                                   \
    p[p_off + i] = pi + negClr * gi / (sqrt(si) + eps);                                      \
  }

EMBER_OPTIM(f32, float)
EMBER_OPTIM(f64, double)

/* adam_multi: Adam/AdamW (no amsgrad) over several tensors in one launch, with the arithmetic of
   adam_* above. The tensors live in up to eight buffers per role (p0..p7, g0..g7, m0..m7,
   v0..v7); table holds 9 ints per tensor, in order of their elements in the launch: [first
   element, then the (buffer slot, offset) pairs of p, g, m and v]. Work item i finds its tensor by
   binary search over the first elements. */
#define EMBER_SEL8(s, x)                                                                     \
  ((s) < 4 ? ((s) < 2 ? ((s) == 0 ? x##0 : x##1) : ((s) == 2 ? x##2 : x##3))                \
           : ((s) < 6 ? ((s) == 4 ? x##4 : x##5) : ((s) == 6 ? x##6 : x##7)))
#define EMBER_BUFFERS8(Q, x)                                                                 \
  Q x##0, Q x##1, Q x##2, Q x##3, Q x##4, Q x##5, Q x##6, Q x##7
#define EMBER_OPTIM_MULTI(SUF, T)                                                            \
  KERNEL adam_multi_##SUF(EMBER_BUFFERS8(GLOBAL T*, p), EMBER_BUFFERS8(GLOBAL const T*, g),  \
      EMBER_BUFFERS8(GLOBAL T*, m), EMBER_BUFFERS8(GLOBAL T*, v), GLOBAL const int* table,   \
      int count, int total, T b1, T ob1, T b2, T ob2, T eps, T wd, T decayF, T negStep,      \
      T bc2, T sign, int hasWd, int decay) {                                                 \
    int i = GLOBAL_ID();                                                                     \
    if (i >= total) return;                                                                  \
    int lo = 0;                                                                              \
    int hi = count - 1;                                                                      \
    while (lo < hi) {                                                                        \
      int mid = (lo + hi + 1) / 2;                                                           \
      if (table[mid * 9] <= i) lo = mid; else hi = mid - 1;                                  \
    }                                                                                        \
    int e = lo * 9;                                                                          \
    int k = i - table[e];                                                                    \
    GLOBAL T* p = EMBER_SEL8(table[e + 1], p) + table[e + 2] + k;                            \
    GLOBAL const T* g = EMBER_SEL8(table[e + 3], g) + table[e + 4] + k;                      \
    GLOBAL T* m = EMBER_SEL8(table[e + 5], m) + table[e + 6] + k;                            \
    GLOBAL T* v = EMBER_SEL8(table[e + 7], v) + table[e + 8] + k;                            \
    T pi = decay ? p[0] * decayF : p[0];                                                     \
    T gi = hasWd ? g[0] * sign + wd * pi : g[0] * sign;                                      \
    T mi = m[0] * b1 + ob1 * gi;                                                             \
    T vi = v[0] * b2 + ob2 * gi * gi;                                                        \
    m[0] = mi;                                                                               \
    v[0] = vi;                                                                               \
    p[0] = pi + negStep * mi / (sqrt(vi) / bc2 + eps);                                       \
  }

EMBER_OPTIM_MULTI(f32, float)
EMBER_OPTIM_MULTI(f64, double)
