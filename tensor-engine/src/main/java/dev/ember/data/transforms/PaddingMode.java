package dev.ember.data.transforms;

/** How {@link Functional#pad} fills the border (torchvision's {@code padding_mode}). */
public enum PaddingMode {
  /** A constant value: {@code [a b c] -> 0 0 [a b c] 0 0}. */
  CONSTANT,
  /** The edge pixel repeated: {@code [a b c] -> a a [a b c] c c}. */
  EDGE,
  /** Mirrored without repeating the edge: {@code [a b c d] -> c b [a b c d] c b}. */
  REFLECT,
  /** Mirrored with the edge repeated: {@code [a b c d] -> b a [a b c d] d c}. */
  SYMMETRIC
}
