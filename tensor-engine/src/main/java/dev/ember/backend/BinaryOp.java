package dev.ember.backend;

/** Elementwise functions of two tensors, a backend primitive; operands arrive broadcast. */
public enum BinaryOp {
  /** {@code a + b}. */
  ADD,
  /** {@code a - b}. */
  SUB,
  /** {@code a * b}. */
  MUL,
  /** {@code a / b} (floating point only: integers are promoted before they get here). */
  DIV,
  /** {@code a ^ b}. */
  POW,
  /** elementwise maximum, NaN-propagating. */
  MAXIMUM,
  /** elementwise minimum, NaN-propagating. */
  MINIMUM,
  /**
   * {@code b <= 0 ? 0 : a}: relu's gradient {@code a} masked by relu's output {@code b} (NaN in
   * {@code b} passes the gradient, as PyTorch's threshold_backward). Fused because the composed
   * form (compare, then select) is three passes over the activations in every training step.
   */
  RELU_GRAD,
  /**
   * {@code a * (Phi(b) + b phi(b))}: the exact GELU's gradient {@code a} times GELU's derivative
   * at its input {@code b} (Phi and phi the standard normal CDF and density). Floating point
   * only, computed in double as the composed backward's formula reads. Fused because the
   * composed backward is 16 kernel launches on a GPU (8 for SiLU's, 27 for the tanh form's).
   */
  GELU_GRAD,
  /**
   * {@code a * d/db gelu_tanh(b)} = {@code a * (0.5 (1 + t) + 0.5 b (1 - t^2) k (1 + 3 c b^2))}
   * with {@code t = tanh(k (b + c b^3))}, {@code k = sqrt(2 / pi)}, {@code c = 0.044715}: the
   * tanh-approximated GELU's backward. Floating point only, computed in double (through
   * {@code sigmoid(2u)}, an equal form without cancellation).
   */
  GELU_TANH_GRAD,
  /**
   * {@code a * s (1 + b (1 - s))} with {@code s = sigmoid(b)}: SiLU's backward. Floating point
   * only, computed in double.
   */
  SILU_GRAD,
  /** {@code a == b} (output bool). */
  EQ,
  /** {@code a != b} (output bool). */
  NE,
  /** {@code a < b} (output bool). */
  LT,
  /** {@code a <= b} (output bool). */
  LE,
  /** {@code a > b} (output bool). */
  GT,
  /** {@code a >= b} (output bool). */
  GE,
  /** logical and of nonzero-ness (output bool). */
  LOGICAL_AND,
  /** logical or of nonzero-ness (output bool). */
  LOGICAL_OR,
  /** logical xor of nonzero-ness (output bool). */
  LOGICAL_XOR;

  /**
   * Whether the op is defined for floating point operands only (the op layer promotes integers
   * before division; the activation gradients come from floating point activations).
   */
  public boolean floatingOnly() {
    return this == DIV || this == GELU_GRAD || this == GELU_TANH_GRAD || this == SILU_GRAD;
  }

  /** Whether the output is bool whatever the input dtype. */
  public boolean producesBool() {
    return ordinal() >= EQ.ordinal();
  }
}
