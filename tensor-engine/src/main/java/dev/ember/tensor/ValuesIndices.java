package dev.ember.tensor;

/**
 * The result of {@code max(dim)} / {@code min(dim)}: the values and their int64 indices.
 *
 * @param values the extreme values
 * @param indices where they are along the reduced dim
 */
public record ValuesIndices(Tensor values, Tensor indices) {}
