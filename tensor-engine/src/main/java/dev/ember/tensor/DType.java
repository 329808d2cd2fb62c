package dev.ember.tensor;

/**
 * The element types a tensor can hold, with PyTorch's type-promotion order:
 * {@code bool < int32 < int64 < float32 < float64}.
 *
 * <p>{@link #FLOAT32} is the default for floating-point values, {@link #INT64} for integers.
 */
public enum DType {
  /** 32-bit IEEE float (the default dtype). */
  FLOAT32("float32", 4, Kind.FLOAT, 3),
  /** 64-bit IEEE float. */
  FLOAT64("float64", 8, Kind.FLOAT, 4),
  /** 64-bit signed integer (the default integer dtype; indices). */
  INT64("int64", 8, Kind.INT, 2),
  /** 32-bit signed integer. */
  INT32("int32", 4, Kind.INT, 1),
  /** Boolean, one byte per element. */
  BOOL("bool", 1, Kind.BOOL, 0);

  /** The category of a dtype, used in type promotion with Java scalars. */
  public enum Kind {
    /** {@code bool}. */
    BOOL,
    /** Signed integers. */
    INT,
    /** Floating point. */
    FLOAT
  }

  private final String label;
  private final int itemSize;
  private final Kind kind;
  private final int rank;

  DType(String label, int itemSize, Kind kind, int rank) {
    this.label = label;
    this.itemSize = itemSize;
    this.kind = kind;
    this.rank = rank;
  }

  /** Bytes per element. */
  public int itemSize() {
    return itemSize;
  }

  /** The category: bool, integer or floating point. */
  public Kind kind() {
    return kind;
  }

  /** Whether this is {@link #FLOAT32} or {@link #FLOAT64}. */
  public boolean isFloatingPoint() {
    return kind == Kind.FLOAT;
  }

  /** Whether this is {@link #INT32} or {@link #INT64}. */
  public boolean isIntegral() {
    return kind == Kind.INT;
  }

  /** The PyTorch name, e.g. {@code float32}. */
  @Override
  public String toString() {
    return label;
  }

  /** The result dtype of an operation on tensors of dtypes {@code a} and {@code b}. */
  public static DType promote(DType a, DType b) {
    return a.rank >= b.rank ? a : b;
  }

  /**
   * The result dtype of an operation between a tensor of dtype {@code t} and a Java scalar of the
   * given kind: the tensor's dtype wins unless the scalar is of a higher category, in which case
   * the default dtype of the scalar's category is used (float32 for floats, int64 for integers),
   * as PyTorch does with wrapped numbers.
   */
  public static DType promoteWithScalar(DType t, Kind scalar) {
    if (scalar.ordinal() <= t.kind.ordinal()) {
      return t;
    }
    return scalar == Kind.FLOAT ? FLOAT32 : INT64;
  }

  /**
   * Whether a value of dtype {@code from} may be written into a tensor of dtype {@code to} by an
   * in-place operation (PyTorch's {@code can_cast}): never floating point into an integer or bool
   * tensor, never a number into a bool tensor.
   */
  public static boolean canCast(DType from, DType to) {
    return from.kind.ordinal() <= to.kind.ordinal();
  }

  /** Parses a PyTorch dtype name such as {@code float32}, {@code int64} or {@code bool}. */
  public static DType parse(String name) {
    for (DType d : values()) {
      if (d.label.equals(name)) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "unknown dtype '" + name + "'; expected one of float32, float64, int64, int32, bool");
  }
}
