package dev.ember.backend;

/** Reductions and scans, backend primitives. */
public enum ReduceOp {
  /** sum (integers and bool accumulate in int64). */
  SUM,
  /** product (integers and bool accumulate in int64). */
  PROD,
  /** maximum, NaN-propagating. */
  MAX,
  /** minimum, NaN-propagating. */
  MIN,
  /** whether any element is nonzero (output bool). */
  ANY,
  /** whether every element is nonzero (output bool). */
  ALL,
  /** index of the first maximum (NaN counts as the maximum; output int64). */
  ARGMAX,
  /** index of the first minimum (NaN counts as the minimum; output int64). */
  ARGMIN
}
