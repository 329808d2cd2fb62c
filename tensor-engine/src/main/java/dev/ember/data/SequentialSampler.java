package dev.ember.data;

/** Indices {@code 0, 1, ..., n - 1} in order, every epoch (PyTorch's {@code SequentialSampler}). */
public final class SequentialSampler extends Sampler {
  private final int n;

  /**
   * A sampler over {@code n} indices.
   *
   * @throws IllegalArgumentException if {@code n} is negative
   */
  public SequentialSampler(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("SequentialSampler: size must be non-negative, got " + n);
    }
    this.n = n;
  }

  @Override
  public int size() {
    return n;
  }

  @Override
  public int[] indices(int epoch) {
    checkEpoch(epoch);
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = i;
    }
    return out;
  }
}
