package dev.ember.nn;

/** How a loss combines its per-element values, as PyTorch's {@code reduction} argument. */
public enum Reduction {
  /** One loss value per element (or per sample for class losses). */
  NONE,
  /** The (weighted) mean. */
  MEAN,
  /** The sum. */
  SUM;

  /** Parses PyTorch's names {@code none}, {@code mean}, {@code sum}. */
  public static Reduction parse(String s) {
    return switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "none" -> NONE;
      case "mean" -> MEAN;
      case "sum" -> SUM;
      default -> throw new IllegalArgumentException(
          "reduction must be none, mean or sum, got \"" + s + "\"");
    };
  }
}
