/*
 * Float math shared by kernel families (elementwise.c's unary ops, matmul.c's activation
 * epilogues): the CPU backend's formulas (tensor-engine's CpuElementwise), per dtype suffix
 * (f32, f64). Include after ember_gpu.h. (KernelSources pastes it into a family's OpenCL program
 * as it does ember_gpu.h.)
 */
#ifndef EMBER_MATH_H
#define EMBER_MATH_H

/* ------------------------------------------------------------------ float math, per type */

/*
 * erf by W. J. Cody's rational Chebyshev approximations (Math. Comp. 1969; netlib specfun
 * CALERF), as the CPU's CpuElementwise.erf: erf directly for |x| <= 0.46875, else
 * 1 - erfc(|x|). erfc_tail(y) is erfc for y > 0.46875; exp_msq(y) is e^(-y^2) without the
 * rounding error of y^2 (y split at a multiple of 1/16, whose square is exact).
 * tanh_<dtype> is exactly +-1 beyond TANH_ONE, where tanh rounds to +-1 (some drivers' tanh,
 * PoCL's among them, return 1 - ulp there, which 1 - tanh^2 in gradients magnifies).
 */
#define EMBER_FLOAT_MATH(SUF, T, TANH_ONE)                                                   \
  DEVICE_FN T exp_msq_##SUF(T y) {                                                           \
    T hi = floor(y * (T) 16) / (T) 16;                                                       \
    T del = (y - hi) * (y + hi);                                                             \
    return exp(-hi * hi) * exp(-del);                                                        \
  }                                                                                          \
                                                                                             \
  DEVICE_FN T erfc_tail_##SUF(T y) {                                                         \
    if (y <= (T) 4) {                                                                        \
      T num = (T) 2.15311535474403846e-8 * y;                                                \
      T den = y;                                                                             \
      num = (num + (T) 5.64188496988670089e-1) * y;                                          \
      den = (den + (T) 1.57449261107098347e01) * y;                                          \
      num = (num + (T) 8.88314979438837594e00) * y;                                          \
      den = (den + (T) 1.17693950891312499e02) * y;                                          \
      num = (num + (T) 6.61191906371416295e01) * y;                                          \
      den = (den + (T) 5.37181101862009858e02) * y;                                          \
      num = (num + (T) 2.98635138197400131e02) * y;                                          \
      den = (den + (T) 1.62138957456669019e03) * y;                                          \
      num = (num + (T) 8.81952221241769090e02) * y;                                          \
      den = (den + (T) 3.29079923573345963e03) * y;                                          \
      num = (num + (T) 1.71204761263407058e03) * y;                                          \
      den = (den + (T) 4.36261909014324716e03) * y;                                          \
      num = (num + (T) 2.05107837782607147e03) * y;                                          \
      den = (den + (T) 3.43936767414372164e03) * y;                                          \
      return exp_msq_##SUF(y)                                                                \
          * ((num + (T) 1.23033935479799725e03) / (den + (T) 1.23033935480374942e03));      \
    }                                                                                        \
    if (y >= (T) 6) {                                                                        \
      return (T) 0; /* erfc(6) < 2.2e-17: erf rounds to +-1 */                               \
    }                                                                                        \
    T ysq = (T) 1 / (y * y);                                                                 \
    T num = (T) 1.63153871373020978e-2 * ysq;                                                \
    T den = ysq;                                                                             \
    num = (num + (T) 3.05326634961232344e-1) * ysq;                                          \
    den = (den + (T) 2.56852019228982242e00) * ysq;                                          \
    num = (num + (T) 3.60344899949804439e-1) * ysq;                                          \
    den = (den + (T) 1.87295284992346047e00) * ysq;                                          \
    num = (num + (T) 1.25781726111229246e-1) * ysq;                                          \
    den = (den + (T) 5.27905102951428412e-1) * ysq;                                          \
    num = (num + (T) 1.60837851487422766e-2) * ysq;                                          \
    den = (den + (T) 6.05183413124413191e-2) * ysq;                                          \
    T r = ysq * (num + (T) 6.58749161529837803e-4) / (den + (T) 2.33520497626869185e-3);    \
    return exp_msq_##SUF(y) * (((T) 5.6418958354775628695e-1 - r) / y);                      \
  }                                                                                          \
                                                                                             \
  DEVICE_FN T tanh_##SUF(T x) {                                                              \
    return x > (T) TANH_ONE ? (T) 1 : x < (T) -TANH_ONE ? (T) -1 : tanh(x);                   \
  }                                                                                          \
                                                                                             \
  DEVICE_FN T erf_##SUF(T x) {                                                               \
    if (x != x) {                                                                            \
      return x;                                                                              \
    }                                                                                        \
    T y = fabs(x);                                                                           \
    if (y <= (T) 0.46875) {                                                                  \
      T ysq = y > (T) 1.11e-16 ? y * y : (T) 0;                                              \
      T num = (T) 1.85777706184603153e-1 * ysq;                                              \
      T den = ysq;                                                                           \
      num = (num + (T) 3.16112374387056560e00) * ysq;                                        \
      den = (den + (T) 2.36012909523441209e01) * ysq;                                        \
      num = (num + (T) 1.13864154151050156e02) * ysq;                                        \
      den = (den + (T) 2.44024637934444173e02) * ysq;                                        \
      num = (num + (T) 3.77485237685302021e02) * ysq;                                        \
      den = (den + (T) 1.28261652607737228e03) * ysq;                                        \
      return x * (num + (T) 3.20937758913846947e03) / (den + (T) 2.84423683343917062e03);    \
    }                                                                                        \
    T r = (T) 0.5 - erfc_tail_##SUF(y) + (T) 0.5;                                            \
    return x < 0 ? -r : r;                                                                   \
  }                                                                                          \
                                                                                             \
  /* Java's Math.pow: C's pow but NaN for a NaN exponent and for (+-1)^(+-inf). */           \
  DEVICE_FN T pow_##SUF(T x, T p) {                                                          \
    if (p != p) {                                                                            \
      return p;                                                                              \
    }                                                                                        \
    if (fabs(x) == (T) 1 && fabs(p) == (T) INFINITY) {                                       \
      return p - p;                                                                          \
    }                                                                                        \
    return pow(x, p);                                                                        \
  }                                                                                          \
                                                                                             \
  /* Java's Math.max/min: NaN if either is NaN; -0 < +0 (x + y and -(-x + -y) order the      \
     zeros, and equal nonzero values are returned as they are). */                           \
  DEVICE_FN T max_##SUF(T x, T y) {                                                          \
    if (x != x || y != y) {                                                                  \
      return x + y;                                                                          \
    }                                                                                        \
    if (x == y) {                                                                            \
      return x == (T) 0 ? x + y : x;                                                         \
    }                                                                                        \
    return x > y ? x : y;                                                                    \
  }                                                                                          \
                                                                                             \
  DEVICE_FN T min_##SUF(T x, T y) {                                                          \
    if (x != x || y != y) {                                                                  \
      return x + y;                                                                          \
    }                                                                                        \
    if (x == y) {                                                                            \
      return x == (T) 0 ? -(-x + -y) : x;                                                    \
    }                                                                                        \
    return x < y ? x : y;                                                                    \
  }                                                                                          \
                                                                                             \
  /* relu (NaN kept) and silu, for elementwise.c's unary ops and matmul.c's epilogues */     \
  DEVICE_FN T relu_##SUF(T x) {                                                              \
    return x != x ? x : (x > (T) 0 ? x : (T) 0);                                             \
  }                                                                                          \
                                                                                             \
  DEVICE_FN T silu_##SUF(T x) {                                                              \
    return x / ((T) 1 + exp(-x));                                                            \
  }

/* tanh(x) rounds to 1 for x > 9.01 in float (1 - tanh x ~ 2 e^-2x < 2^-25), 19.06 in double */
EMBER_FLOAT_MATH(f32, float, 9.1)
EMBER_FLOAT_MATH(f64, double, 19.1)

/* float64: the CPU's formulas as written. */
DEVICE_FN double gelu_f64(double x) {
  return 0.5 * x * (1.0 + erf_f64(x * 0.7071067811865476));
}

DEVICE_FN double gelu_tanh_f64(double x) {
  double inner = 0.7978845608028654 * (x + 0.044715 * x * x * x);
  return 0.5 * x * (1.0 + tanh_f64(inner));
}

/* The activations' derivatives, for elementwise.c's fused backward ops (GELU_GRAD,
   GELU_TANH_GRAD, SILU_GRAD): the CPU's formulas, in double for both float dtypes (the float
   forms overflow or cancel at the ends of the range, e.g. 0 * inf in the tanh form at 1e30). */
DEVICE_FN double gelu_grad_f64(double x) {
  return 0.5 * (1.0 + erf_f64(x * 0.7071067811865476))
      + x * (exp(-0.5 * x * x) * 0.3989422804014327);
}

DEVICE_FN double gelu_tanh_grad_f64(double x) {
  /* 0.5 (1 + tanh u) = s and 1 - tanh^2 u = 4 s (1 - s), s = sigmoid(2u), as on the CPU */
  double x2 = x * x;
  double u = 0.7978845608028654 * (x + 0.044715 * x2 * x);
  double s = 1.0 / (1.0 + exp(-2 * u));
  double sc = 1.0 / (1.0 + exp(2 * u));
  return s + 2 * x * s * sc * (0.7978845608028654 * (1.0 + 3 * 0.044715 * x2));
}

DEVICE_FN double silu_grad_f64(double x) {
  double s = 1.0 / (1.0 + exp(-x));
  return s * (1.0 + x * (1.0 - s));
}

DEVICE_FN double softplus_f64(double x, double beta, double threshold) {
  double bx = beta * x;
  return bx > threshold ? x : log1p(exp(bx)) / beta;
}

/* float32: equal forms that do not cancel in float (see elementwise.c's header). */
DEVICE_FN float gelu_f32(float x) {
  float z = x * 0.70710678f;
  return z < -0.46875f ? 0.5f * x * erfc_tail_f32(-z) : 0.5f * x * (1.0f + erf_f32(z));
}

DEVICE_FN float gelu_tanh_f32(float x) {
  /* 0.5 (1 + tanh(u)) = 1 / (1 + e^(-2u)) */
  float inner = 0.79788456f * (x + 0.044715f * x * x * x);
  return x / (1.0f + exp(-2.0f * inner));
}

DEVICE_FN float softplus_f32(float x, float beta, float threshold) {
  float bx = beta * x;
  if (bx > threshold) {
    return x;
  }
  /* log1p(e^bx) = max(bx, 0) + log1p(e^-|bx|) */
  return ((bx > 0.0f ? bx : 0.0f) + log1p(exp(-fabs(bx)))) / beta;
}

#endif
