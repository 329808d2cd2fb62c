/*
 * Fused optimizer updates (dev.ember.backend.OptimizerUpdate): one work item per element reads
 * the parameter, its gradient and its state once and writes the parameter and the state once.
 * One kernel per update kind and dtype (suffix f32 / f64); every operand is contiguous, as the
 * pair (buffer, element offset). A state slot the update does not use (its flag is 0) is passed
 * as any buffer of the dtype and never touched. Each update's arithmetic is one device function
 * on one element (<kind>_elem_*), called by the single-tensor kernel (<kind>_*) and by the
 * multi-tensor one (<kind>_multi_*, several tensors in one launch).
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

/* The per-element updates: p, g and the state pointers point at the element. */
#define EMBER_OPTIM_ELEMS(SUF, T)                                                            \
  DEVICE_FN void sgd_elem_##SUF(GLOBAL T* p, GLOBAL const T* g, GLOBAL T* b, T negLr, T mom, \
      T oneMinusDamp, T wd, T sign, int hasWd, int hasMomentum, int nesterov, int init) {    \
    T pi = p[0];                                                                             \
    T d = hasWd ? g[0] * sign + wd * pi : g[0] * sign;                                       \
    if (!hasMomentum) {                                                                      \
      p[0] = pi + negLr * d;                                                                 \
      return;                                                                                \
    }                                                                                        \
    T bi = init ? d : b[0] * mom + oneMinusDamp * d;                                         \
    b[0] = bi;                                                                               \
    p[0] = pi + negLr * (nesterov ? d + mom * bi : bi);                                      \
  }                                                                                          \
                                                                                             \
  DEVICE_FN void adam_elem_##SUF(GLOBAL T* p, GLOBAL const T* g, GLOBAL T* m, GLOBAL T* v,   \
      GLOBAL T* vmax, T b1, T ob1, T b2, T ob2, T eps, T wd, T decayF, T negStep, T bc2,     \
      T sign, int hasWd, int decay, int amsgrad) {                                           \
    T pi = decay ? p[0] * decayF : p[0];                                                     \
    T gi = hasWd ? g[0] * sign + wd * pi : g[0] * sign;                                      \
    T mi = m[0] * b1 + ob1 * gi;                                                             \
    T vi = v[0] * b2 + ob2 * gi * gi;                                                        \
    m[0] = mi;                                                                               \
    v[0] = vi;                                                                               \
    T d = vi;                                                                                \
    if (amsgrad) {                                                                           \
      /* Java's Math.max: NaN if either is NaN (vm + vi is then NaN). */                     \
      T vm = vmax[0];                                                                        \
      d = vi >= vm ? vi : (vm > vi ? vm : vm + vi);                                          \
      vmax[0] = d;                                                                           \
    }                                                                                        \
    p[0] = pi + negStep * mi / (sqrt(d) / bc2 + eps);                                        \
  }                                                                                          \
                                                                                             \
  DEVICE_FN void rmsprop_elem_##SUF(GLOBAL T* p, GLOBAL const T* g, GLOBAL T* sq,            \
      GLOBAL T* b, GLOBAL T* ga, T negLr, T alpha, T oneMinusAlpha, T eps, T wd, T mom,      \
      T sign, int hasWd, int momentum, int centered) {                                       \
    T pi = p[0];                                                                             \
    T gi = hasWd ? g[0] * sign + wd * pi : g[0] * sign;                                      \
    T si = sq[0] * alpha + oneMinusAlpha * gi * gi;                                          \
    sq[0] = si;                                                                              \
    T avg;                                                                                   \
    if (centered) {                                                                          \
      T ai = ga[0] * alpha + oneMinusAlpha * gi;                                             \
      ga[0] = ai;                                                                            \
      avg = sqrt(si + (T) -1 * ai * ai) + eps;                                               \
    } else {                                                                                 \
      avg = sqrt(si) + eps;                                                                  \
    }                                                                                        \
    if (momentum) {                                                                          \
      T bi = b[0] * mom + gi / avg;                                                          \
      b[0] = bi;                                                                             \
      p[0] = pi + negLr * bi;                                                                \
    } else {                                                                                 \
      p[0] = pi + negLr * gi / avg;                                                          \
    }                                                                                        \
  }                                                                                          \
                                                                                             \
  DEVICE_FN void adagrad_elem_##SUF(GLOBAL T* p, GLOBAL const T* g, GLOBAL T* sum, T negClr, \
      T wd, T eps, T sign, int hasWd) {                                                      \
    T pi = p[0];                                                                             \
    T gi = hasWd ? g[0] * sign + wd * pi : g[0] * sign;                                      \
    T si = sum[0] + gi * gi;                                                                 \
    sum[0] = si;                                                                             \
    p[0] = pi + negClr * gi / (sqrt(si) + eps);                                              \
  }

/* The scalar parameters of each update, after n (single) or total (multi), and their names. */
#define EMBER_SGD_PARAMS(T)                                                                  \
  T negLr, T mom, T oneMinusDamp, T wd, T sign, int hasWd, int hasMomentum, int nesterov,    \
      int init
#define EMBER_SGD_ARGS negLr, mom, oneMinusDamp, wd, sign, hasWd, hasMomentum, nesterov, init
#define EMBER_ADAM_PARAMS(T)                                                                 \
  T b1, T ob1, T b2, T ob2, T eps, T wd, T decayF, T negStep, T bc2, T sign, int hasWd,      \
      int decay, int amsgrad
#define EMBER_ADAM_ARGS b1, ob1, b2, ob2, eps, wd, decayF, negStep, bc2, sign, hasWd, decay, amsgrad
#define EMBER_RMSPROP_PARAMS(T)                                                              \
  T negLr, T alpha, T oneMinusAlpha, T eps, T wd, T mom, T sign, int hasWd, int momentum,    \
      int centered
#define EMBER_RMSPROP_ARGS                                                                   \
  negLr, alpha, oneMinusAlpha, eps, wd, mom, sign, hasWd, momentum, centered
#define EMBER_ADAGRAD_PARAMS(T) T negClr, T wd, T eps, T sign, int hasWd
#define EMBER_ADAGRAD_ARGS negClr, wd, eps, sign, hasWd

/* Single-tensor kernels: one work item per element. */
#define EMBER_OPTIM(SUF, T)                                                                  \
  KERNEL sgd_##SUF(GLOBAL T* p, int p_off, GLOBAL const T* g, int g_off, GLOBAL T* b,       \
      int b_off, int n, EMBER_SGD_PARAMS(T)) {                                               \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    sgd_elem_##SUF(p + p_off + i, g + g_off + i, b + b_off + i, EMBER_SGD_ARGS);             \
  }                                                                                          \
                                                                                             \
  KERNEL adam_##SUF(GLOBAL T* p, int p_off, GLOBAL const T* g, int g_off, GLOBAL T* m,      \
      int m_off, GLOBAL T* v, int v_off, GLOBAL T* vmax, int vmax_off, int n,                \
      EMBER_ADAM_PARAMS(T)) {                                                                \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    adam_elem_##SUF(p + p_off + i, g + g_off + i, m + m_off + i, v + v_off + i,              \
        vmax + vmax_off + i, EMBER_ADAM_ARGS);                                               \
  }                                                                                          \
                                                                                             \
  KERNEL rmsprop_##SUF(GLOBAL T* p, int p_off, GLOBAL const T* g, int g_off, GLOBAL T* sq,  \
      int sq_off, GLOBAL T* b, int b_off, GLOBAL T* ga, int ga_off, int n,                   \
      EMBER_RMSPROP_PARAMS(T)) {                                                             \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    rmsprop_elem_##SUF(p + p_off + i, g + g_off + i, sq + sq_off + i, b + b_off + i,         \
        ga + ga_off + i, EMBER_RMSPROP_ARGS);                                                \
  }                                                                                          \
                                                                                             \
  KERNEL adagrad_##SUF(GLOBAL T* p, int p_off, GLOBAL const T* g, int g_off, GLOBAL T* sum, \
      int sum_off, int n, EMBER_ADAGRAD_PARAMS(T)) {                                         \
    int i = GLOBAL_ID();                                                                     \
    if (i >= n) return;                                                                      \
    adagrad_elem_##SUF(p + p_off + i, g + g_off + i, sum + sum_off + i, EMBER_ADAGRAD_ARGS); \
  }

/* Multi-tensor kernels: several tensors in one launch. The tensors live in up to eight buffers
   per role (p0..p7, g0..g7, then each state slot's); table holds 1 + 2 R ints per tensor (R
   roles), in order of their elements in the launch: [first element, then the (buffer slot,
   offset) pair of each role]. Work item i finds its tensor by binary search over the first
   elements; a state slot the update does not use is bound to a parameter's buffer, untouched. */
#define EMBER_SEL8(s, x)                                                                     \
  ((s) < 4 ? ((s) < 2 ? ((s) == 0 ? x##0 : x##1) : ((s) == 2 ? x##2 : x##3))                \
           : ((s) < 6 ? ((s) == 4 ? x##4 : x##5) : ((s) == 6 ? x##6 : x##7)))
#define EMBER_BUFFERS8(Q, x)                                                                 \
  Q x##0, Q x##1, Q x##2, Q x##3, Q x##4, Q x##5, Q x##6, Q x##7
#define EMBER_MULTI_FIND(ROLES)                                                              \
  int i = GLOBAL_ID();                                                                       \
  if (i >= total) return;                                                                    \
  int lo = 0;                                                                                \
  int hi = count - 1;                                                                        \
  while (lo < hi) {                                                                          \
    int mid = (lo + hi + 1) / 2;                                                             \
    if (table[mid * (1 + 2 * (ROLES))] <= i) lo = mid; else hi = mid - 1;                    \
  }                                                                                          \
  int e = lo * (1 + 2 * (ROLES));                                                            \
  int k = i - table[e];
/* The element of role r (buffer x) that work item i updates. */
#define EMBER_AT(x, r) (EMBER_SEL8(table[e + 1 + 2 * (r)], x) + table[e + 2 + 2 * (r)] + k)
#define EMBER_MULTI_HEAD(T)                                                                  \
  EMBER_BUFFERS8(GLOBAL T*, p), EMBER_BUFFERS8(GLOBAL const T*, g)
#define EMBER_MULTI_TAIL GLOBAL const int* table, int count, int total

#define EMBER_OPTIM_MULTI(SUF, T)                                                            \
  KERNEL sgd_multi_##SUF(EMBER_MULTI_HEAD(T), EMBER_BUFFERS8(GLOBAL T*, b),                  \
      EMBER_MULTI_TAIL, EMBER_SGD_PARAMS(T)) {                                               \
    EMBER_MULTI_FIND(3)                                                                      \
    sgd_elem_##SUF(EMBER_AT(p, 0), EMBER_AT(g, 1), EMBER_AT(b, 2), EMBER_SGD_ARGS);          \
  }                                                                                          \
                                                                                             \
  KERNEL adam_multi_##SUF(EMBER_MULTI_HEAD(T), EMBER_BUFFERS8(GLOBAL T*, m),                 \
      EMBER_BUFFERS8(GLOBAL T*, v), EMBER_BUFFERS8(GLOBAL T*, x), EMBER_MULTI_TAIL,          \
      EMBER_ADAM_PARAMS(T)) {                                                                \
    EMBER_MULTI_FIND(5)                                                                      \
    adam_elem_##SUF(EMBER_AT(p, 0), EMBER_AT(g, 1), EMBER_AT(m, 2), EMBER_AT(v, 3),          \
        EMBER_AT(x, 4), EMBER_ADAM_ARGS);                                                    \
  }                                                                                          \
                                                                                             \
  KERNEL rmsprop_multi_##SUF(EMBER_MULTI_HEAD(T), EMBER_BUFFERS8(GLOBAL T*, sq),             \
      EMBER_BUFFERS8(GLOBAL T*, b), EMBER_BUFFERS8(GLOBAL T*, ga), EMBER_MULTI_TAIL,         \
      EMBER_RMSPROP_PARAMS(T)) {                                                             \
    EMBER_MULTI_FIND(5)                                                                      \
    rmsprop_elem_##SUF(EMBER_AT(p, 0), EMBER_AT(g, 1), EMBER_AT(sq, 2), EMBER_AT(b, 3),      \
        EMBER_AT(ga, 4), EMBER_RMSPROP_ARGS);                                                \
  }                                                                                          \
                                                                                             \
  KERNEL adagrad_multi_##SUF(EMBER_MULTI_HEAD(T), EMBER_BUFFERS8(GLOBAL T*, s),              \
      EMBER_MULTI_TAIL, EMBER_ADAGRAD_PARAMS(T)) {                                           \
    EMBER_MULTI_FIND(3)                                                                      \
    adagrad_elem_##SUF(EMBER_AT(p, 0), EMBER_AT(g, 1), EMBER_AT(s, 2), EMBER_ADAGRAD_ARGS);  \
  }

/* Multi-tensor kernels whose scalars are read from the device (hp, in the order of the
   parameters above, flags as 0 or 1 in the dtype): a step graph records these, and every replay
   rewrites hp first with the step's learning rate, step count and flags (StepGraph). */
#define EMBER_OPTIM_MULTI_DYN(SUF, T)                                                        \
  KERNEL sgd_multi_dyn_##SUF(EMBER_MULTI_HEAD(T), EMBER_BUFFERS8(GLOBAL T*, b),              \
      EMBER_MULTI_TAIL, GLOBAL const T* hp, int hp_off) {                                    \
    EMBER_MULTI_FIND(3)                                                                      \
    hp += hp_off;                                                                            \
    sgd_elem_##SUF(EMBER_AT(p, 0), EMBER_AT(g, 1), EMBER_AT(b, 2), hp[0], hp[1], hp[2],      \
        hp[3], hp[4], (int) hp[5], (int) hp[6], (int) hp[7], (int) hp[8]);                   \
  }                                                                                          \
                                                                                             \
  KERNEL adam_multi_dyn_##SUF(EMBER_MULTI_HEAD(T), EMBER_BUFFERS8(GLOBAL T*, m),             \
      EMBER_BUFFERS8(GLOBAL T*, v), EMBER_BUFFERS8(GLOBAL T*, x), EMBER_MULTI_TAIL,          \
      GLOBAL const T* hp, int hp_off) {                                                      \
    EMBER_MULTI_FIND(5)                                                                      \
    hp += hp_off;                                                                            \
    adam_elem_##SUF(EMBER_AT(p, 0), EMBER_AT(g, 1), EMBER_AT(m, 2), EMBER_AT(v, 3),          \
        EMBER_AT(x, 4), hp[0], hp[1], hp[2], hp[3], hp[4], hp[5], hp[6], hp[7], hp[8],       \
        hp[9], (int) hp[10], (int) hp[11], (int) hp[12]);                                    \
  }                                                                                          \
                                                                                             \
  KERNEL rmsprop_multi_dyn_##SUF(EMBER_MULTI_HEAD(T), EMBER_BUFFERS8(GLOBAL T*, sq),         \
      EMBER_BUFFERS8(GLOBAL T*, b), EMBER_BUFFERS8(GLOBAL T*, ga), EMBER_MULTI_TAIL,         \
      GLOBAL const T* hp, int hp_off) {                                                      \
    EMBER_MULTI_FIND(5)                                                                      \
    hp += hp_off;                                                                            \
    rmsprop_elem_##SUF(EMBER_AT(p, 0), EMBER_AT(g, 1), EMBER_AT(sq, 2), EMBER_AT(b, 3),      \
        EMBER_AT(ga, 4), hp[0], hp[1], hp[2], hp[3], hp[4], hp[5], hp[6], (int) hp[7],       \
        (int) hp[8], (int) hp[9]);                                                           \
  }                                                                                          \
                                                                                             \
  KERNEL adagrad_multi_dyn_##SUF(EMBER_MULTI_HEAD(T), EMBER_BUFFERS8(GLOBAL T*, s),          \
      EMBER_MULTI_TAIL, GLOBAL const T* hp, int hp_off) {                                    \
    EMBER_MULTI_FIND(3)                                                                      \
    hp += hp_off;                                                                            \
    adagrad_elem_##SUF(EMBER_AT(p, 0), EMBER_AT(g, 1), EMBER_AT(s, 2), hp[0], hp[1], hp[2],  \
        hp[3], (int) hp[4]);                                                                 \
  }

EMBER_OPTIM_ELEMS(f32, float)
EMBER_OPTIM_ELEMS(f64, double)
EMBER_OPTIM(f32, float)
EMBER_OPTIM(f64, double)
EMBER_OPTIM_MULTI(f32, float)
EMBER_OPTIM_MULTI(f64, double)
EMBER_OPTIM_MULTI_DYN(f32, float)
EMBER_OPTIM_MULTI_DYN(f64, double)
