package dev.ember.backend;

/** Distributions the random-fill primitive draws from (Philox4x32-10, counter based). */
public enum RandomOp {
  /** uniform on {@code [a, b)}. */
  UNIFORM,
  /** normal with mean {@code a} and standard deviation {@code b}. */
  NORMAL
}
