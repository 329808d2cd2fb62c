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

  /** Whether the output is bool whatever the input dtype. */
  public boolean producesBool() {
    return ordinal() >= EQ.ordinal();
  }
}
