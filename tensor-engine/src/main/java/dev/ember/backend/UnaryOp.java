package dev.ember.backend;

/**
 * Elementwise functions of one tensor, a backend primitive. Parameters {@code p0}/{@code p1} are
 * passed alongside where an op takes them.
 */
public enum UnaryOp {
  /** {@code -x}. */
  NEG,
  /** {@code |x|}. */
  ABS,
  /** {@code (x > 0) - (x < 0)}: -1, 0 or 1; 0 for NaN and for both zeros, as PyTorch. */
  SIGN,
  /** {@code e^x}. */
  EXP,
  /** natural logarithm. */
  LOG,
  /** {@code log(1 + x)}. */
  LOG1P,
  /** {@code e^x - 1}. */
  EXPM1,
  /** square root. */
  SQRT,
  /** {@code 1 / sqrt(x)}. */
  RSQRT,
  /** {@code 1 / x}. */
  RECIPROCAL,
  /** sine. */
  SIN,
  /** cosine. */
  COS,
  /** hyperbolic tangent. */
  TANH,
  /** {@code 1 / (1 + e^-x)}. */
  SIGMOID,
  /** {@code max(x, 0)}. */
  RELU,
  /** {@code x >= 0 ? x : p0 * x}. */
  LEAKY_RELU,
  /** {@code x * Phi(x)} with the Gaussian CDF (exact, erf-based). */
  GELU,
  /** {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
  GELU_TANH,
  /** {@code x * sigmoid(x)}. */
  SILU,
  /** {@code log(1 + e^(p0 x)) / p0}, or {@code x} where {@code p0 x > p1}. */
  SOFTPLUS,
  /** the error function. */
  ERF,
  /** {@code min(max(x, p0), p1)}; NaN bounds mean no bound; NaN inputs stay NaN. */
  CLAMP,
  /** {@code x^p0}. */
  POW_SCALAR,
  /** round toward negative infinity. */
  FLOOR,
  /** round toward positive infinity. */
  CEIL,
  /** round half to even. */
  ROUND,
  /** logical not (output bool). */
  LOGICAL_NOT,
  /** {@code x != x} (output bool). */
  ISNAN,
  /** whether x is +/- infinity (output bool). */
  ISINF;

  /** Whether the output is bool whatever the input dtype. */
  public boolean producesBool() {
    return this == LOGICAL_NOT || this == ISNAN || this == ISINF;
  }
}
